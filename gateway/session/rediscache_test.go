package session

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

// getCounter is a Hook counting the GETs a store sent to Redis; a Get the
// client-side cache answered sends none.
type getCounter struct{ n atomic.Int64 }

func (g *getCounter) Command(_ context.Context, name string, _ time.Time, _ bool) {
	if name == "get" {
		g.n.Add(1)
	}
}

// cachedStore opens a RedisStore with the cache on addr/prefix.
func cachedStore(t *testing.T, addr, prefix string, ttl time.Duration) (*RedisStore, *getCounter) {
	t.Helper()
	requireTracking(t, addr)
	gc := &getCounter{}
	s, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix, LocalCacheTTL: ttl,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		Hooks: []Hook{gc}})
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if !s.CacheOn() {
		t.Fatalf("the store at %s did not turn the client-side cache on (the server must support RESP3 CLIENT TRACKING, Redis 6 or later)", addr)
	}
	return s, gc
}

// pollGet calls get until ok accepts its answer or within passes, and
// returns how long that took.
func pollGet(t *testing.T, within time.Duration, what string, get func() (*Record, error), ok func(*Record, error) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		rec, err := get()
		if ok(rec, err) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: not seen within %v; last answer %+v, %v", what, within, rec, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func TestRedisLocalCache(t *testing.T) {
	ctx := context.Background()
	addr := redistest.Addr(t)
	requireTracking(t, addr)
	newPair := func(t *testing.T, ttl time.Duration) (a, b *RedisStore, bGets *getCounter, prefix string) {
		prefix = redistest.Prefix(t)
		t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
		a, _ = cachedStore(t, addr, prefix, ttl)
		b, bGets = cachedStore(t, addr, prefix, ttl)
		return a, b, bGets, prefix
	}

	t.Run("repeated Gets on a replica are served without Redis", func(t *testing.T) {
		a, b, bGets, _ := newPair(t, 10*time.Second)
		id := testID(t)
		if err := a.Put(ctx, id, sampleRecord(1), time.Minute); err != nil {
			t.Fatal(err)
		}
		warmCache(t, b, bGets, id) // the fill, maybe twice: A's Put reaches B as an invalidation
		before := bGets.n.Load()
		for i := range 100 {
			got, err := b.Get(ctx, id)
			if err != nil || !sameRecord(got, sampleRecord(1)) {
				t.Fatalf("Get %d: want the stored record, got %+v, %v", i, got, err)
			}
		}
		if n := bGets.n.Load() - before; n != 0 {
			t.Errorf("GET commands for 100 Gets on a warm cache = %d, want 0", n)
		}
	})

	t.Run("a Get returns a copy the caller may change", func(t *testing.T) {
		a, _, _, _ := newPair(t, 10*time.Second)
		id := testID(t)
		if err := a.Put(ctx, id, sampleRecord(1), time.Minute); err != nil {
			t.Fatal(err)
		}
		first, _ := a.Get(ctx, id)
		first.Tokens.AccessToken = "changed by the caller"
		if again, err := a.Get(ctx, id); err != nil || again.Tokens.AccessToken != sampleRecord(1).Tokens.AccessToken {
			t.Fatalf("second Get: want the stored token, got %q, %v", again.Tokens.AccessToken, err)
		}
	})

	t.Run("a Delete on one replica signs the visitor out on the other", func(t *testing.T) {
		a, b, _, _ := newPair(t, 10*time.Second)
		for i := range 20 {
			id := testID(t)
			if err := a.Put(ctx, id, sampleRecord(i), time.Minute); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Get(ctx, id); err != nil {
				t.Fatalf("warming B: %v", err)
			}
			if err := a.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			took := pollGet(t, 500*time.Millisecond, "the Delete at A on B", func() (*Record, error) { return b.Get(ctx, id) },
				func(_ *Record, err error) bool { return errors.Is(err, ErrNotFound) })
			if i == 0 {
				t.Logf("B saw the Delete after %v", took)
			}
		}
	})

	t.Run("an Update on one replica is what the other's next Get returns", func(t *testing.T) {
		a, b, _, _ := newPair(t, 10*time.Second)
		id := testID(t)
		rec := sampleRecord(1)
		if err := a.Put(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		// Pub/sub is asynchronous: within one process B's Get can run before
		// B's subscriber goroutine has read the message that Redis sent
		// before it answered A. Between two replicas the visitor's next
		// request takes at least a network round trip, which is what the
		// median bound stands for.
		immediate := 0
		const rounds = 50
		var lags []time.Duration
		for v := int64(2); v < 2+rounds; v++ {
			if _, err := b.Get(ctx, id); err != nil {
				t.Fatalf("warming B: %v", err)
			}
			rec.Version = v
			if err := a.Update(ctx, id, rec, time.Minute); err != nil {
				t.Fatalf("Update to version %d: %v", v, err)
			}
			if got, err := b.Get(ctx, id); err == nil && got.Version == v {
				immediate++
			}
			lags = append(lags, pollGet(t, 500*time.Millisecond, "the Update at A on B", func() (*Record, error) { return b.Get(ctx, id) },
				func(r *Record, err error) bool { return err == nil && r.Version == v }))
		}
		slices.Sort(lags)
		t.Logf("B's Get right after A's Update returned the new version %d of %d times; time until B saw it: median %v, max %v",
			immediate, rounds, lags[rounds/2], lags[rounds-1])
		if lags[rounds/2] > 5*time.Millisecond {
			t.Errorf("median time until B saw A's Update = %v, want at most 5ms", lags[rounds/2])
		}
	})

	t.Run("the writing replica never serves its own old record", func(t *testing.T) {
		a, _, _, _ := newPair(t, 10*time.Second)
		id := testID(t)
		rec := sampleRecord(1)
		if err := a.Put(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		for v := int64(2); v < 50; v++ {
			_, _ = a.Get(ctx, id)
			rec.Version = v
			if err := a.Update(ctx, id, rec, time.Minute); err != nil {
				t.Fatal(err)
			}
			if got, err := a.Get(ctx, id); err != nil || got.Version != v {
				t.Fatalf("Get after own Update to %d: got version %v, %v", v, got.Version, err)
			}
		}
		if err := a.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after own Delete: want ErrNotFound, got %v", err)
		}
	})

	t.Run("a change by anyone else is seen at once, expiry by the cache TTL", func(t *testing.T) {
		prefix := redistest.Prefix(t)
		t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
		b, bGets := cachedStore(t, addr, prefix, 300*time.Millisecond)
		// An operator with redis-cli, or a store without the cache: Redis
		// itself tells B, nothing of ours announces the change.
		op := redistest.NewAdmin(t, addr)
		quiet, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		defer quiet.Close()
		id := testID(t)
		rec := sampleRecord(1)
		if err := quiet.Put(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		warmCache(t, b, bGets, id)
		rec.Version = 2
		if err := quiet.Update(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		took := pollGet(t, 100*time.Millisecond, "an Update by a store without the cache", func() (*Record, error) { return b.Get(ctx, id) },
			func(r *Record, err error) bool { return err == nil && r.Version == 2 })
		t.Logf("B saw the other store's Update after %v", took)

		warmCache(t, b, bGets, id)
		before := bGets.n.Load()
		time.Sleep(350 * time.Millisecond)
		if _, err := b.Get(ctx, id); err != nil || bGets.n.Load() == before {
			t.Errorf("a Get 350ms after the fill with a 300ms cache TTL: want one GET to Redis, sent %d (err %v)", bGets.n.Load()-before, err)
		}

		warmCache(t, b, bGets, id)
		if err := op.Do("DEL", b.recordKey(id)).Error(); err != nil {
			t.Fatal(err)
		}
		took = pollGet(t, 100*time.Millisecond, "an operator's DEL", func() (*Record, error) { return b.Get(ctx, id) },
			func(_ *Record, err error) bool { return errors.Is(err, ErrNotFound) })
		t.Logf("B saw the operator's DEL after %v", took)
	})

	t.Run("an entry does not outlive the record in Redis", func(t *testing.T) {
		a, b, _, _ := newPair(t, 10*time.Second)
		id := testID(t)
		if err := a.Put(ctx, id, sampleRecord(1), 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if _, err := b.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after the record's TTL: want ErrNotFound, got %v", err)
		}
	})

	t.Run("the lock path reads past the cache", func(t *testing.T) {
		prefix := redistest.Prefix(t)
		t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
		b, bGets := cachedStore(t, addr, prefix, 10*time.Second)
		id := testID(t)
		if err := b.Put(ctx, id, sampleRecord(1), time.Minute); err != nil {
			t.Fatal(err)
		}
		_, _ = b.Get(ctx, id)
		before := bGets.n.Load()
		for range 3 {
			if _, err := b.GetFresh(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if n := bGets.n.Load() - before; n != 3 {
			t.Errorf("GET commands for 3 GetFresh calls = %d, want 3", n)
		}
		m, err := NewManager(b, Options{Keys: [][]byte{[]byte(strings.Repeat("k", 32))}})
		if err != nil {
			t.Fatal(err)
		}
		s := &Session{storeID: id}
		before = bGets.n.Load()
		if err := m.Reload(ctx, s); err != nil {
			t.Fatal(err)
		}
		if n := bGets.n.Load() - before; n != 1 {
			t.Errorf("GET commands for Manager.Reload = %d, want 1 (Reload must read Redis)", n)
		}
	})
}

// requireTracking skips (fails in CI) when addr is not a real Redis: the
// cache is Redis's CLIENT TRACKING, which miniredis does not have.
func requireTracking(t *testing.T, addr string) {
	t.Helper()
	if redistest.IsReal(t, addr) {
		return
	}
	if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
		t.Fatalf("the client-side cache needs a real Redis (CLIENT TRACKING), and CI=true or LOGATEWAY_REQUIRE_REDIS=1 requires one; %s is not", addr)
	}
	t.Skipf("the client-side cache needs a real Redis (CLIENT TRACKING); %s is miniredis", addr)
}

// ownServer is a redis-server of a test's own on a free port, so its
// connections can be killed and the server stopped, hung and restarted
// without touching the shared one.
type ownServer struct {
	t              *testing.T
	bin, addr, dir string
	up             bool
}

// ownRedisServer starts one, stopped in t.Cleanup.
func ownRedisServer(t *testing.T) *ownServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not on PATH but a real Redis is required: %v", err)
		}
		t.Skip("redis-server not on PATH; set LOGATEWAY_REQUIRE_REDIS=1 to make this a failure")
	}
	o := &ownServer{t: t, bin: bin, addr: closedPort(t), dir: t.TempDir()}
	o.start()
	t.Cleanup(o.stop)
	return o
}

func (o *ownServer) start() {
	o.t.Helper()
	_, port, _ := net.SplitHostPort(o.addr)
	out, err := exec.Command(o.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "yes", "--dir", o.dir, "--pidfile", filepath.Join(o.dir, "redis.pid"),
		"--logfile", filepath.Join(o.dir, "redis.log")).CombinedOutput()
	if err != nil {
		o.t.Fatalf("starting redis-server on %s: %v: %s", o.addr, err, out)
	}
	waitPing(o.t, o.addr)
	o.up = true
}

func (o *ownServer) stop() {
	if o.up {
		shutdownRedis(o.addr)
		o.up = false
	}
}

// cachedOnOwnServer is a store with the cache on an own server, the
// server's admin client and the id of a record written there by the admin (a
// Put by the store would keep it off its cache for ownWriteWindow).
func cachedOnOwnServer(t *testing.T) (*ownServer, *RedisStore, *getCounter, *redistest.Admin, string) {
	t.Helper()
	srv := ownRedisServer(t)
	b, bGets := cachedStore(t, srv.addr, "logateway-cache-test:", 10*time.Second)
	admin := redistest.NewAdmin(t, srv.addr)
	id := testID(t)
	putRaw(t, admin, b, id, sampleRecord(1))
	return srv, b, bGets, admin, id
}

// TestRedisLocalCacheWhenTheConnectionDrops: the cache lives on the
// connection that Redis tracks. When that connection ends, rueidis drops the
// cache with it, so an invalidation Redis could not deliver is never missed.
func TestRedisLocalCacheWhenTheConnectionDrops(t *testing.T) {
	ctx := context.Background()
	srv, b, bGets, admin, id := cachedOnOwnServer(t)
	rec := sampleRecord(1)

	t.Run("a killed connection takes its cache with it", func(t *testing.T) {
		warmCache(t, b, bGets, id)
		killed, err := admin.Do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").AsInt64()
		if err != nil || killed < 1 {
			t.Fatalf("CLIENT KILL TYPE normal SKIPME yes: killed %d (%v), want B's connection", killed, err)
		}
		// Written while B is not connected, by the admin connection the
		// kill skipped: no invalidation can reach B.
		rec.Version = 2
		putRaw(t, admin, b, id, rec)
		took := pollGet(t, 100*time.Millisecond, "the Update written while B was disconnected", func() (*Record, error) { return b.Get(ctx, id) },
			func(r *Record, err error) bool { return err == nil && r.Version == 2 })
		t.Logf("B answered version 2 after %v", took)
		for range 20 {
			if got, err := b.Get(ctx, id); err != nil || got.Version != 2 {
				t.Fatalf("Get after the reconnect: want version 2, got %v, %v", got.Version, err)
			}
		}
		warmCache(t, b, bGets, id) // and the cache works again
	})

	t.Run("with Redis stopped Get is ErrUnavailable, not the cached record", func(t *testing.T) {
		warmCache(t, b, bGets, id)
		srv.stop()
		took := pollGet(t, 200*time.Millisecond, "ErrUnavailable after SHUTDOWN", func() (*Record, error) { return b.Get(ctx, id) },
			func(_ *Record, err error) bool { return errors.Is(err, ErrUnavailable) })
		t.Logf("B stopped answering from its cache %v after SHUTDOWN returned", took)
		for range 3 {
			if _, err := b.Get(ctx, id); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Get with Redis stopped: want ErrUnavailable, got %v", err)
			}
		}
	})
}

// warmCache Gets id until B answers it from the cache (a Get that sends no
// GET).
func warmCache(t *testing.T, b *RedisStore, gets *getCounter, id string) {
	t.Helper()
	ctx := context.Background()
	for range 50 {
		_, _ = b.Get(ctx, id)
		before := gets.n.Load()
		if _, err := b.Get(ctx, id); err == nil && gets.n.Load() == before {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("50 tries to warm the cache: every second Get still went to Redis")
}

// putRaw writes rec for id as the store would, through admin: a write by
// someone else, which the store learns of only from Redis.
func putRaw(t *testing.T, admin *redistest.Admin, s *RedisStore, id string, rec *Record) {
	t.Helper()
	blob, err := seal(s.recordKey(id), id, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Do("SET", s.recordKey(id), string(blob), "PX", "60000").Error(); err != nil {
		t.Fatalf("SET through the admin client: %v", err)
	}
}
