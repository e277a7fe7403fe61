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

	"github.com/redis/go-redis/v9"

	"github.com/logateway/logateway/internal/redistest"
)

// getCounter counts GET commands a client sends, alone or pipelined.
type getCounter struct{ n atomic.Int64 }

func (g *getCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (g *getCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "get" {
			g.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (g *getCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "get" {
				g.n.Add(1)
			}
		}
		return next(ctx, cmds)
	}
}

// cachedStore opens a RedisStore with the local cache on addr/prefix and
// waits until its subscription is live.
func cachedStore(t *testing.T, addr, prefix string, ttl time.Duration) (*RedisStore, *getCounter) {
	t.Helper()
	s, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix, LocalCacheTTL: ttl,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	gc := &getCounter{}
	s.Client().AddHook(gc)
	waitLive(t, s, 5*time.Second)
	return s, gc
}

func waitLive(t *testing.T, s *RedisStore, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !s.cache.usable() {
		if time.Now().After(deadline) {
			t.Fatalf("the store's invalidation subscription did not go live within %v", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
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
	if !redistest.IsReal(t, addr) {
		// miniredis has pub/sub, but the point is the real server's behaviour.
		t.Logf("testing the local cache against miniredis at %s", addr)
	}
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

	t.Run("an entry lives the cache TTL and no longer", func(t *testing.T) {
		prefix := redistest.Prefix(t)
		t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
		b, bGets := cachedStore(t, addr, prefix, 300*time.Millisecond)
		// A writer that does not publish (cache off) shows what B serves.
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
		filled := time.Now()
		if _, err := b.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
		rec.Version = 2
		if err := quiet.Update(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.Get(ctx, id); time.Since(filled) < 250*time.Millisecond && got.Version != 1 {
			t.Fatalf("Get within the TTL: got version %d, want the cached 1 (the cache did not serve)", got.Version)
		}
		took := pollGet(t, time.Second, "the unannounced Update after the TTL", func() (*Record, error) { return b.Get(ctx, id) },
			func(r *Record, err error) bool { return err == nil && r.Version == 2 })
		if since := time.Since(filled); since < 300*time.Millisecond || since > 600*time.Millisecond {
			t.Errorf("version 2 appeared %v after the fill, want after the 300ms TTL and soon after (polled %v)", since, took)
		}
		t.Logf("GETs sent: %d", bGets.n.Load())
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

	t.Run("the cache holds at most its bound", func(t *testing.T) {
		a, b, _, _ := newPair(t, 10*time.Second)
		b.cache.max = 16
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = testID(t) + "-" + string(rune('a'+i%26)) + strings.Repeat("x", i)
			if err := a.Put(ctx, ids[i], sampleRecord(i), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 3 {
			for i, id := range ids {
				got, err := b.Get(ctx, id)
				if err != nil || !sameRecord(got, sampleRecord(i)) {
					t.Fatalf("round %d, Get %d: want record %d, got %+v, %v", round, i, i, got, err)
				}
				if n := b.cache.len(); n > 16 {
					t.Fatalf("cache holds %d entries, want at most 16", n)
				}
			}
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

// ownRedisServer starts a redis-server of this test's own on a free port,
// so its connections can be killed and the server stopped without touching
// the shared one.
func ownRedisServer(t *testing.T) (addr string, stop func()) {
	t.Helper()
	// go-redis logs each failed dial; with the server stopped on purpose
	// that is noise around the test's own messages.
	redis.SetLogger(quietLog{})
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not on PATH but a real Redis is required: %v", err)
		}
		t.Skip("redis-server not on PATH; set LOGATEWAY_REQUIRE_REDIS=1 to make this a failure")
	}
	addr = closedPort(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	out, err := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "yes", "--dir", dir, "--pidfile", filepath.Join(dir, "redis.pid"),
		"--logfile", filepath.Join(dir, "redis.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("starting redis-server on %s: %v: %s", addr, err, out)
	}
	waitPing(t, addr)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, MaxRetries: -1})
		defer c.Close()
		_ = c.ShutdownNoSave(context.Background()).Err() // the reply is a closed connection
	}
	t.Cleanup(stop)
	return addr, stop
}

func TestRedisLocalCacheWithoutSubscription(t *testing.T) {
	ctx := context.Background()
	addr, stop := ownRedisServer(t)
	const prefix = "logateway-cache-test:"
	b, bGets := cachedStore(t, addr, prefix, 10*time.Second)
	// Writes from a store without the cache are never announced: only the
	// flush on resubscribing can keep B from serving the old record.
	quiet, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	admin := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer admin.Close()

	id := testID(t)
	rec := sampleRecord(1)
	if err := quiet.Put(ctx, id, rec, time.Minute); err != nil {
		t.Fatal(err)
	}
	warm := func() { t.Helper(); warmCache(t, b, bGets, id) }

	t.Run("a killed subscription bypasses and then flushes the cache", func(t *testing.T) {
		warm()
		lives := b.cache.lives.Load()
		killed, err := admin.ClientKillByFilter(ctx, "TYPE", "pubsub").Result()
		if err != nil || killed != 1 {
			t.Fatalf("CLIENT KILL TYPE pubsub: killed %d (%v), want B's one subscription", killed, err)
		}
		// Written after the kill and never announced: B can only learn of
		// it from Redis.
		rec.Version = 2
		if err := quiet.Update(ctx, id, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		// B notices the closed connection within microseconds (the window
		// in which an invalidation can be missed). From then until it has
		// resubscribed every Get reads Redis, and resubscribing flushed the
		// cache: version 2 either way.
		start := time.Now()
		for b.cache.usable() && b.cache.lives.Load() == lives {
			if time.Since(start) > cacheLease {
				t.Fatalf("B did not notice its subscription was killed within %v", cacheLease)
			}
			time.Sleep(100 * time.Microsecond)
		}
		t.Logf("B noticed the killed subscription within %v", time.Since(start))
		for range 200 {
			got, err := b.Get(ctx, id)
			if err != nil || got.Version != 2 {
				t.Fatalf("Get after the subscription was killed: want version 2, got %v, %v", got.Version, err)
			}
			time.Sleep(time.Millisecond)
		}
		if b.cache.lives.Load() == lives {
			t.Errorf("B did not resubscribe within 200ms of the kill")
		}
		waitLive(t, b, 2*time.Second)
		warm() // and the cache works again
	})

	t.Run("while unsubscribed every Get goes to Redis", func(t *testing.T) {
		warm()
		b.cache.live.Store(false) // as the subscriber does on a dropped connection
		b.sub.dropConnection()
		before := bGets.n.Load()
		seen := 0
		for range 5 {
			if b.cache.usable() {
				break // resubscribed meanwhile: the rest of this loop proves nothing
			}
			if _, err := b.Get(ctx, id); err != nil {
				t.Fatal(err)
			}
			seen++
		}
		if n := bGets.n.Load() - before; n < int64(seen) {
			t.Errorf("%d Gets while unsubscribed sent %d GETs, want one each", seen, n)
		}
		waitLive(t, b, 2*time.Second)
	})

	t.Run("with Redis stopped Get is ErrUnavailable, not the cached record", func(t *testing.T) {
		warm()
		stop()
		start := time.Now()
		for b.cache.usable() {
			if time.Since(start) > cacheLease {
				t.Fatalf("the cache was still trusted %v after Redis stopped", time.Since(start))
			}
			time.Sleep(time.Millisecond)
		}
		t.Logf("the cache stopped being trusted %v after SHUTDOWN returned", time.Since(start))
		for range 3 {
			if _, err := b.Get(ctx, id); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Get with Redis stopped: want ErrUnavailable, got %v", err)
			}
		}
	})
}

type quietLog struct{}

func (quietLog) Printf(context.Context, string, ...any) {}

// warmCache Gets id until B answers it from the cache. A store's own write
// comes back to it as an invalidation, which may evict the first fill.
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
