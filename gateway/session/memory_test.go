package session

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	t.Run("the store never holds more than MaxSessions", func(t *testing.T) {
		s := NewMemoryStore(MemoryOptions{MaxSessions: 500})
		defer s.Close()
		for i := range 2000 {
			_ = s.Put(ctx, fmt.Sprintf("id-%d", i), sampleRecord(i), time.Hour)
		}
		if n := s.Len(); n > 500 {
			t.Fatalf("want at most 500 records, got %d", n)
		}
	})
	t.Run("eviction takes the least recently used, not the busy ones", func(t *testing.T) {
		// One shard (MaxSessions < 32) makes the LRU order exact.
		s := NewMemoryStore(MemoryOptions{MaxSessions: 20})
		defer s.Close()
		for i := range 20 {
			_ = s.Put(ctx, fmt.Sprintf("id-%d", i), sampleRecord(i), time.Hour)
		}
		// id-0 is the oldest by creation but was just used.
		if _, err := s.Get(ctx, "id-0"); err != nil {
			t.Fatalf("Get id-0: %v", err)
		}
		_ = s.Put(ctx, "id-new", sampleRecord(99), time.Hour)
		if _, err := s.Get(ctx, "id-0"); err != nil {
			t.Fatalf("recently used id-0: want kept, got %v", err)
		}
		if _, err := s.Get(ctx, "id-1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("idle id-1: want evicted (ErrNotFound), got %v", err)
		}
	})
	t.Run("the sweeper removes expired records", func(t *testing.T) {
		clock := newFakeClock()
		s := NewMemoryStore(MemoryOptions{Now: clock.Now, SweepInterval: time.Hour})
		defer s.Close()
		_ = s.Put(ctx, "short", sampleRecord(1), time.Second)
		_ = s.Put(ctx, "long", sampleRecord(2), time.Hour)
		clock.Advance(2 * time.Second)
		s.sweepOnce()
		if n := s.Len(); n != 1 {
			t.Fatalf("after sweeping: want 1 record, got %d", n)
		}
	})
}

// heapPerSession stores n realistic sessions and returns the live heap they
// account for, per session.
func heapPerSession(tb testing.TB, n int) float64 {
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewMemoryStore(MemoryOptions{MaxSessions: n})
	for i := range n {
		// The Manager's ids are 43 characters; sampleRecord allocates fresh
		// strings, as decoding a token answer would. Both count.
		if err := s.Put(ctx, fmt.Sprintf("%043d", i), sampleRecord(i), time.Hour); err != nil {
			tb.Fatalf("Put: %v", err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.Len() != n {
		tb.Fatalf("want %d records held, got %d", n, s.Len())
	}
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	runtime.KeepAlive(s)
	_ = s.Close()
	return per
}

func TestMemoryStoreHeapPerSession(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 100k sessions; run without -short")
	}
	per := heapPerSession(t, 100_000)
	t.Logf("memory store: %.0f heap bytes per session at 100k sessions", per)
	if per > 2048 {
		t.Fatalf("want at most 2048 heap bytes per session, got %.0f", per)
	}
}

func BenchmarkMemoryStoreHeapPerSession(b *testing.B) {
	var per float64
	for b.Loop() {
		per = heapPerSession(b, 100_000)
	}
	b.ReportMetric(per, "heapB/session")
}
