package session

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
)

func TestDecodedCookieCache(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	store := NewMemoryStore(MemoryOptions{Now: clock.Now})
	t.Cleanup(func() { _ = store.Close() })
	m := newTestManager(t, store, clock)
	s, c := create(t, m, sampleRecord(1))

	t.Run("a second load of the same cookie is served from the cache and agrees", func(t *testing.T) {
		first, err := m.Load(ctx, requestWith(c))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.ids.get(c.Value); !ok {
			t.Fatal("a verified cookie was not remembered")
		}
		second, err := m.Load(ctx, requestWith(c))
		if err != nil {
			t.Fatal(err)
		}
		if first.ID != s.ID || second.ID != s.ID || second.storeID != s.storeID {
			t.Fatalf("ids differ: created %s, first load %s, cached load %s", s.ID, first.ID, second.ID)
		}
	})
	t.Run("a tampered cookie is never cached", func(t *testing.T) {
		bad := *c
		bad.Value = c.Value[:len(c.Value)-4] + "AAAA"
		if _, err := m.Load(ctx, requestWith(&bad)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("tampered cookie: err %v, want ErrNoSession", err)
		}
		if _, ok := m.ids.get(bad.Value); ok {
			t.Fatal("a cookie that failed verification was cached")
		}
	})
	t.Run("a cached cookie whose session was destroyed is signed out", func(t *testing.T) {
		if err := m.Destroy(ctx, httptest.NewRecorder(), s); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Load(ctx, requestWith(c)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after Destroy: err %v, want ErrNoSession", err)
		}
	})
	t.Run("the cache stays bounded", func(t *testing.T) {
		var small idCache
		small.max = 8
		for i := range 100 {
			small.put(string(rune('a'+i%26))+string(rune(i)), cookieIDs{})
		}
		if n := len(small.m); n > 8 {
			t.Fatalf("cache holds %d entries, bound is 8", n)
		}
	})
}
