package proxy

import (
	"fmt"
	"net/http"
	"testing"
)

// TestMapRoomMatchesTheRuntime checks mapRoom's model of map growth: a map
// made with a hint allocates no more for mapRoom(hint) keys than for one, and
// one key more makes it grow. If the runtime changes how it sizes maps,
// roomFor only gets slower; this test says so.
func TestMapRoomMatchesTheRuntime(t *testing.T) {
	keys := make([]string, 80)
	for i := range keys {
		keys[i] = fmt.Sprintf("X-Header-%d", i)
	}
	allocs := func(hint, n int) float64 {
		return testing.AllocsPerRun(10, func() {
			h := make(http.Header, hint)
			for _, k := range keys[:n] {
				h[k] = nil
			}
		})
	}
	for hint := 0; hint <= 40; hint++ {
		room := mapRoom(hint)
		one, full, over := allocs(hint, 1), allocs(hint, room), allocs(hint, room+1)
		if full != one || over <= full {
			t.Errorf("make(http.Header, %d): %v allocations for 1 key, %v for %d (mapRoom), %v for %d; want the same for 1 and %d and more for %d",
				hint, one, full, room, over, room+1, room, room+1)
		}
	}
}

func TestRoomForKeepsEveryHeader(t *testing.T) {
	h := http.Header{"Accept": {"*/*"}, "Cookie": {"a=b"}}
	for _, c := range []struct {
		name       string
		hint, more int
		copied     bool
	}{
		{"a header with room is kept", 2, 3, false},
		{"a header that would grow once is kept", 2, 10, false},
		{"a header that would grow twice is copied", 2, 13, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := roomFor(h, c.hint, c.more)
			if got.Get("Accept") != "*/*" || got.Get("Cookie") != "a=b" || len(got) != 2 {
				t.Errorf("roomFor(%v) = %v, want the same headers", h, got)
			}
			got["X-Probe"] = []string{"1"}
			_, inOld := h["X-Probe"]
			delete(h, "X-Probe")
			if inOld == c.copied {
				t.Errorf("roomFor(hint %d, more %d): copied = %v, want %v", c.hint, c.more, !inOld, c.copied)
			}
		})
	}
}
