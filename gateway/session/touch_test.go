package session

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

// updateCounter is a Store that counts Updates and can fail the next ones.
type updateCounter struct {
	Store
	updates atomic.Int64
	failing atomic.Int64
}

func (u *updateCounter) Update(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	u.updates.Add(1)
	if u.failing.Add(-1) >= 0 {
		return errors.New("store down")
	}
	return u.Store.Update(ctx, id, rec, ttl)
}

// touchDue is a memory-store session whose touch is due: its counting store,
// manager, cookie and clock.
func touchDue(t *testing.T) (*updateCounter, *Manager, *http.Cookie, *fakeClock) {
	store := &updateCounter{Store: NewMemoryStore(MemoryOptions{})}
	t.Cleanup(func() { _ = store.Close() })
	clock := newFakeClock()
	m := newTestManager(t, store, clock)
	_, c := create(t, m, sampleRecord(1))
	clock.Advance(2 * time.Minute)
	return store, m, c, clock
}

func TestConcurrentRequestsWhenATouchIsDueWriteLastSeenOnce(t *testing.T) {
	store, m, c, clock := touchDue(t)

	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Load(context.Background(), requestWith(c)); err != nil {
				t.Errorf("Load: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := store.updates.Load(); n != 1 {
		t.Errorf("32 concurrent Loads with a touch due wrote %d times, want 1", n)
	}
	s, err := m.Load(context.Background(), requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Record.LastSeen.Equal(clock.Now()) {
		t.Errorf("LastSeen = %v, want the touch's %v", s.Record.LastSeen, clock.Now())
	}

	// A minute later the next touch is due again and is written.
	clock.Advance(time.Minute)
	if _, err := m.Load(context.Background(), requestWith(c)); err != nil {
		t.Fatal(err)
	}
	if n := store.updates.Load(); n != 2 {
		t.Errorf("writes after the next minute = %d, want 2", n)
	}
}

func TestAFailedTouchIsTriedAgainByTheNextRequest(t *testing.T) {
	store, m, c, _ := touchDue(t)
	store.failing.Store(1)
	if _, err := m.Load(context.Background(), requestWith(c)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load with the store failing the touch: %v, want ErrUnavailable", err)
	}
	if _, err := m.Load(context.Background(), requestWith(c)); err != nil {
		t.Fatalf("the next Load: %v", err)
	}
	if n := store.updates.Load(); n != 2 {
		t.Errorf("writes = %d, want 2 (the failed touch, then the next request's)", n)
	}
}

// With the client-side cache, a touch leaves the replica reading the session
// through its cache: Update's one second of reads past the cache, at every
// touch of a busy session, was a second of round trips for all its requests.
func TestATouchKeepsTheReplicaReadingThroughItsCache(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
	store, gets := cachedStore(t, addr, prefix, 10*time.Second)
	clock := newFakeClock()
	m := newTestManager(t, store, clock)
	s, c := create(t, m, sampleRecord(1))
	ctx := context.Background()
	load := func() *Session {
		t.Helper()
		got, err := m.Load(ctx, requestWith(c))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	time.Sleep(ownWriteWindow) // Create's own window
	load()
	clock.Advance(2 * time.Minute)
	if got := load(); !got.Record.LastSeen.Equal(clock.Now()) {
		t.Fatalf("the touching Load's LastSeen = %v, want %v", got.Record.LastSeen, clock.Now())
	}
	before := gets.n.Load()
	for range 50 {
		load()
	}
	// The touch's invalidation empties the cached entry once; one GET refills it.
	if n := gets.n.Load() - before; n > 2 {
		t.Errorf("GET commands for 50 Loads after a touch = %d, want at most 2", n)
	}
	fresh, err := store.GetFresh(ctx, s.storeID)
	if err != nil {
		t.Fatal(err)
	}
	if !fresh.LastSeen.Equal(clock.Now()) {
		t.Errorf("LastSeen in Redis = %v, want the touch's %v", fresh.LastSeen, clock.Now())
	}
	if got := load(); !got.Record.LastSeen.Equal(clock.Now()) {
		t.Errorf("LastSeen read through the cache = %v, want the touch's %v", got.Record.LastSeen, clock.Now())
	}
}
