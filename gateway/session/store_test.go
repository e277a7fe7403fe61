package session

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

type storeCase struct {
	name string
	// make returns the store and a function that lets time pass for it.
	make func(t *testing.T) (Store, func(time.Duration))
}

func storeCases() []storeCase {
	return []storeCase{
		{"memory", func(t *testing.T) (Store, func(time.Duration)) {
			clock := newFakeClock()
			s := NewMemoryStore(MemoryOptions{MaxSessions: 1000, Now: clock.Now})
			t.Cleanup(func() { _ = s.Close() })
			return s, clock.Advance
		}},
		{"redis", func(t *testing.T) (Store, func(time.Duration)) {
			s, _, _ := newTestRedisStore(t)
			return s, time.Sleep
		}},
		{"redis with the local cache", func(t *testing.T) (Store, func(time.Duration)) {
			addr, prefix := redistest.Addr(t), redistest.Prefix(t)
			t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
			s, _ := cachedStore(t, addr, prefix, 10*time.Second)
			return s, time.Sleep
		}},
	}
}

func sameRecord(a, b *Record) bool {
	return reflect.DeepEqual(normTimes(*a), normTimes(*b))
}

// normTimes drops monotonic readings and locations, which a store may not keep.
func normTimes(r Record) Record {
	for _, p := range []*time.Time{&r.Tokens.IssuedAt, &r.Tokens.ExpiresAt, &r.CreatedAt, &r.LastSeen} {
		if !p.IsZero() {
			*p = time.Unix(0, p.UnixNano()).UTC()
		}
	}
	return r
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	for _, sc := range storeCases() {
		t.Run(sc.name, func(t *testing.T) {
			t.Run("a stored record reads back equal", func(t *testing.T) {
				s, _ := sc.make(t)
				id, want := testID(t), sampleRecord(1)
				if err := s.Put(ctx, id, want, time.Minute); err != nil {
					t.Fatalf("Put: %v", err)
				}
				got, err := s.Get(ctx, id)
				if err != nil {
					t.Fatalf("Get after Put: want the record, got error %v", err)
				}
				if !sameRecord(got, want) {
					t.Fatalf("Get after Put:\nwant %+v\ngot  %+v", want, got)
				}
			})
			t.Run("callers cannot change stored state through their copies", func(t *testing.T) {
				s, _ := sc.make(t)
				id, rec := testID(t), sampleRecord(2)
				if err := s.Put(ctx, id, rec, time.Minute); err != nil {
					t.Fatalf("Put: %v", err)
				}
				rec.Tokens.AccessToken = "changed after put"
				got, _ := s.Get(ctx, id)
				got.Tokens.AccessToken = "changed after get"
				again, err := s.Get(ctx, id)
				if err != nil || again.Tokens.AccessToken != sampleRecord(2).Tokens.AccessToken {
					t.Fatalf("want the access token as put, got %q (err %v)", again.Tokens.AccessToken, err)
				}
			})
			t.Run("a missing record is ErrNotFound", func(t *testing.T) {
				s, _ := sc.make(t)
				if _, err := s.Get(ctx, testID(t)); !errors.Is(err, ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
			})
			t.Run("a deleted record is gone", func(t *testing.T) {
				s, _ := sc.make(t)
				id := testID(t)
				_ = s.Put(ctx, id, sampleRecord(3), time.Minute)
				if err := s.Delete(ctx, id); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
					t.Fatalf("Get after Delete: want ErrNotFound, got %v", err)
				}
				if err := s.Delete(ctx, id); err != nil {
					t.Fatalf("deleting twice: want nil, got %v", err)
				}
			})
			t.Run("a record expires after its ttl", func(t *testing.T) {
				s, pass := sc.make(t)
				const ttl = 100 * time.Millisecond
				// On Redis's real clock the read before the ttl shows something
				// only if it came within the ttl of the write, and a loaded
				// machine can stall a test longer than that: such a try is
				// made again with a new record. A read within the ttl that
				// misses the record still fails.
				var id string
				for try := 1; ; try++ {
					id = testID(t)
					began := time.Now()
					if err := s.Put(ctx, id, sampleRecord(4), ttl); err != nil {
						t.Fatalf("Put: %v", err)
					}
					pass(30 * time.Millisecond)
					_, err := s.Get(ctx, id)
					if err == nil {
						break
					}
					took := time.Since(began)
					if !errors.Is(err, ErrNotFound) || took < ttl {
						t.Fatalf("before the ttl (read %v after the write began, ttl %v): want the record, got %v", took, ttl, err)
					}
					if try == 5 {
						t.Fatalf("in each of %d tries the read came more than the ttl %v after the write (last %v): too loaded to tell", try, ttl, took)
					}
					t.Logf("try %d: the read came %v after the write began, past the ttl %v; trying again", try, took, ttl)
				}
				pass(120 * time.Millisecond)
				if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
					t.Fatalf("after the ttl: want ErrNotFound, got %v", err)
				}
			})
			t.Run("update replaces an equal or older version", func(t *testing.T) {
				s, _ := sc.make(t)
				id, rec := testID(t), sampleRecord(5)
				_ = s.Put(ctx, id, rec, time.Minute)
				rec.LastSeen = rec.LastSeen.Add(time.Minute)
				if err := s.Update(ctx, id, rec, time.Minute); err != nil {
					t.Fatalf("Update with the same version: want nil, got %v", err)
				}
				rec.Version = 7
				rec.Tokens.AccessToken = "refreshed"
				if err := s.Update(ctx, id, rec, time.Minute); err != nil {
					t.Fatalf("Update with a newer version: want nil, got %v", err)
				}
				got, _ := s.Get(ctx, id)
				if got.Version != 7 || got.Tokens.AccessToken != "refreshed" {
					t.Fatalf("want version 7 with the refreshed token, got version %d token %q", got.Version, got.Tokens.AccessToken)
				}
			})
			t.Run("update refuses to overwrite a newer version", func(t *testing.T) {
				s, _ := sc.make(t)
				id, rec := testID(t), sampleRecord(6)
				rec.Version = 300 // spans two bytes of the big-endian prefix
				_ = s.Put(ctx, id, rec, time.Minute)
				old := *rec
				old.Version = 299
				if err := s.Update(ctx, id, &old, time.Minute); !errors.Is(err, ErrStale) {
					t.Fatalf("want ErrStale, got %v", err)
				}
				if got, _ := s.Get(ctx, id); got.Version != 300 {
					t.Fatalf("want version 300 kept, got %d", got.Version)
				}
			})
			t.Run("update does not resurrect a deleted record", func(t *testing.T) {
				s, _ := sc.make(t)
				id := testID(t)
				_ = s.Put(ctx, id, sampleRecord(7), time.Minute)
				_ = s.Delete(ctx, id)
				if err := s.Update(ctx, id, sampleRecord(7), time.Minute); !errors.Is(err, ErrNotFound) {
					t.Fatalf("Update after Delete: want ErrNotFound, got %v", err)
				}
				if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
					t.Fatalf("Get after Update-after-Delete: want ErrNotFound, got %v", err)
				}
			})
			t.Run("a non-positive ttl is refused", func(t *testing.T) {
				s, _ := sc.make(t)
				if err := s.Put(ctx, testID(t), sampleRecord(8), 0); err == nil {
					t.Fatal("Put with ttl 0: want an error, got nil")
				}
			})
			t.Run("ping answers", func(t *testing.T) {
				s, _ := sc.make(t)
				if err := s.Ping(ctx); err != nil {
					t.Fatalf("Ping: %v", err)
				}
			})
		})
	}
}

func TestLocks(t *testing.T) {
	ctx := context.Background()
	lockStores := []struct {
		name string
		make func(t *testing.T) Store
	}{
		{"memory", func(t *testing.T) Store {
			s := NewMemoryStore(MemoryOptions{})
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"redis", func(t *testing.T) Store { s, _, _ := newTestRedisStore(t); return s }},
	}
	for _, ls := range lockStores {
		t.Run(ls.name, func(t *testing.T) {
			t.Run("fifty contenders hold the lock one at a time", func(t *testing.T) {
				s := ls.make(t)
				var holders, maxHolders, done atomic.Int32
				var wg sync.WaitGroup
				errs := make(chan error, 50)
				for range 50 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						unlock, err := s.Lock(ctx, "refresh:contended", 5*time.Second, 20*time.Second)
						if err != nil {
							errs <- err
							return
						}
						n := holders.Add(1)
						for {
							m := maxHolders.Load()
							if n <= m || maxHolders.CompareAndSwap(m, n) {
								break
							}
						}
						time.Sleep(time.Millisecond)
						holders.Add(-1)
						done.Add(1)
						unlock()
						unlock() // a second call must be harmless
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Errorf("Lock: want every contender to get the lock in time, got %v", err)
				}
				if got := maxHolders.Load(); got != 1 {
					t.Fatalf("want at most 1 holder at a time, saw %d", got)
				}
				if got := done.Load(); got != 50 {
					t.Fatalf("want 50 contenders served, got %d", got)
				}
			})
			t.Run("a held lock times out the waiter", func(t *testing.T) {
				s := ls.make(t)
				unlock, err := s.Lock(ctx, "refresh:held", time.Minute, 0)
				if err != nil {
					t.Fatalf("first Lock: %v", err)
				}
				defer unlock()
				start := time.Now()
				if _, err := s.Lock(ctx, "refresh:held", time.Minute, 50*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
					t.Fatalf("want ErrLockTimeout, got %v", err)
				}
				if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
					t.Fatalf("want the waiter to give up after about 50ms, took %v", d)
				}
			})
			t.Run("a stale lock expires by its ttl", func(t *testing.T) {
				s := ls.make(t)
				if _, err := s.Lock(ctx, "refresh:stale", 100*time.Millisecond, 0); err != nil {
					t.Fatalf("first Lock: %v", err)
				}
				// never unlocked: the holder crashed
				unlock, err := s.Lock(ctx, "refresh:stale", time.Second, 2*time.Second)
				if err != nil {
					t.Fatalf("want the lock once the stale one expired, got %v", err)
				}
				unlock()
			})
			t.Run("unlock releases only its own lock", func(t *testing.T) {
				s := ls.make(t)
				unlockA, err := s.Lock(ctx, "refresh:own", 50*time.Millisecond, 0)
				if err != nil {
					t.Fatalf("Lock A: %v", err)
				}
				time.Sleep(80 * time.Millisecond) // A's lock expires
				unlockB, err := s.Lock(ctx, "refresh:own", time.Minute, time.Second)
				if err != nil {
					t.Fatalf("Lock B after A expired: %v", err)
				}
				defer unlockB()
				unlockA() // late: must not release B's lock
				if _, err := s.Lock(ctx, "refresh:own", time.Minute, 20*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
					t.Fatalf("after A's late unlock: want B still holding (ErrLockTimeout), got %v", err)
				}
			})
			t.Run("different keys do not block each other", func(t *testing.T) {
				s := ls.make(t)
				u1, err1 := s.Lock(ctx, "refresh:a", time.Minute, 0)
				u2, err2 := s.Lock(ctx, "refresh:b", time.Minute, 0)
				if err1 != nil || err2 != nil {
					t.Fatalf("want both locks, got %v and %v", err1, err2)
				}
				u1()
				u2()
			})
		})
	}
}
