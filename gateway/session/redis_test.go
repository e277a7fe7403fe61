package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

func TestRedisStoreAtRest(t *testing.T) {
	ctx := context.Background()
	s, addr, prefix := newTestRedisStore(t)
	raw := redistest.NewAdmin(t, addr)
	id := "cookie-secret-" + testID(t)
	rec := sampleRecord(42)
	if err := s.Put(ctx, id, rec, time.Minute); err != nil {
		t.Fatalf("Put: %v", err)
	}
	keys, err := raw.Do("KEYS", prefix+"*").AsStrSlice()
	if err != nil || len(keys) != 1 {
		t.Fatalf("want exactly one key under the test prefix, got %v (err %v)", keys, err)
	}
	key := keys[0]

	t.Run("the key name does not contain the session id", func(t *testing.T) {
		if !strings.HasPrefix(key, prefix+"s:") || strings.Contains(key, id) {
			t.Fatalf("want %q + a hash, got %q", prefix+"s:", key)
		}
	})
	blob, err := raw.Do("GET", key).AsBytes()
	if err != nil {
		t.Fatalf("raw GET: %v", err)
	}
	t.Run("the stored bytes hold no token, identity or id in clear", func(t *testing.T) {
		for _, secret := range []string{
			rec.Tokens.AccessToken, rec.Tokens.RefreshToken, rec.Identity.Email,
			rec.Identity.Username, rec.Identity.Name, rec.CSRF, rec.Tokens.InstanceURL, id,
			"visitor42", "00DHs000000abcd",
		} {
			if bytes.Contains(blob, []byte(secret)) {
				t.Errorf("raw record contains %q in clear", secret)
			}
		}
	})
	t.Run("the ttl in Redis is the remaining lifetime", func(t *testing.T) {
		ms, err := raw.Do("PTTL", key).AsInt64()
		ttl := time.Duration(ms) * time.Millisecond
		if err != nil || ttl <= 50*time.Second || ttl > time.Minute {
			t.Fatalf("want a PTTL just under 1m, got %v (err %v)", ttl, err)
		}
	})
	t.Run("another id cannot decrypt the record", func(t *testing.T) {
		// Copy the blob under the key another id would use.
		other := "other-" + id
		if err := raw.Do("SET", s.recordKey(other), string(blob), "PX", "60000").Error(); err != nil {
			t.Fatalf("raw SET: %v", err)
		}
		if _, err := s.Get(ctx, other); !errors.Is(err, ErrNotFound) {
			t.Fatalf("want ErrNotFound for a record sealed for another id, got %v", err)
		}
	})
	t.Run("a tampered record is ErrNotFound", func(t *testing.T) {
		for _, at := range []struct {
			name string
			i    int
		}{{"version prefix", 7}, {"nonce", 10}, {"ciphertext", len(blob) - 20}} {
			t.Run(at.name, func(t *testing.T) {
				bad := bytes.Clone(blob)
				bad[at.i] ^= 1
				tid := id + "-tamper-" + at.name
				if err := raw.Do("SET", s.recordKey(tid), string(bad), "PX", "60000").Error(); err != nil {
					t.Fatalf("raw SET: %v", err)
				}
				// Re-seal under tid first so only the flipped bit differs.
				good, _ := seal(s.recordKey(tid), tid, rec)
				good[at.i] ^= 1
				_ = raw.Do("SET", s.recordKey(tid), string(good), "PX", "60000").Error()
				if _, err := s.Get(ctx, tid); !errors.Is(err, ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
			})
		}
	})
}

// TestRedisMemoryPerSession measures what a session costs in Redis with
// MEMORY USAGE (real Redis only; miniredis has no such command).
func TestRedisMemoryPerSession(t *testing.T) {
	ctx := context.Background()
	s, addr, prefix := newTestRedisStore(t)
	if !redistest.IsReal(t, addr) {
		if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
			t.Fatal("MEMORY USAGE needs a real redis-server, and CI=true or LOGATEWAY_REQUIRE_REDIS=1 requires one")
		}
		t.Skip("MEMORY USAGE needs a real redis-server; set LOGATEWAY_REQUIRE_REDIS=1 to insist on one")
	}
	raw := redistest.NewAdmin(t, addr)
	const n = 1000
	var plainTotal int
	for i := range n {
		rec := sampleRecord(i)
		plainTotal += len(appendRecord(nil, rec))
		if err := s.Put(ctx, fmt.Sprintf("%043d", i), rec, time.Minute); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	keys, _ := raw.Do("KEYS", prefix+"s:*").AsStrSlice()
	var usage, value int64
	for _, k := range keys {
		u, err := raw.Do("MEMORY", "USAGE", k, "SAMPLES", "0").AsInt64()
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		l, _ := raw.Do("STRLEN", k).AsInt64()
		usage += u
		value += l
	}
	if len(keys) != n {
		t.Fatalf("want %d keys, got %d", n, len(keys))
	}
	jsonSize := len(mustJSON(t, sampleRecord(500)))
	t.Logf("redis: %d bytes per session (MEMORY USAGE), stored value %d bytes, encoded record %d bytes (JSON would be %d)",
		usage/n, value/n, plainTotal/n, jsonSize)
}

// TestRedisUnavailable: a dead Redis must give ErrUnavailable quickly, never
// ErrNotFound (which would sign the visitor out) and never a panic.
func TestRedisUnavailable(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing listening answers ErrUnavailable within the timeouts", func(t *testing.T) {
		s, err := NewRedisStore(RedisOptions{Addrs: []string{closedPort(t)}, DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkAllUnavailable(t, s, 2*time.Second)
	})

	// rueidis connects while it builds a Sentinel or Cluster client; the
	// store builds it at the first command that finds Redis there.
	for _, tc := range []struct {
		name string
		opts RedisOptions
	}{
		{"a cluster that is not there answers ErrUnavailable", RedisOptions{Addrs: []string{closedPort(t), closedPort(t)}}},
		{"Sentinels that are not there answer ErrUnavailable", RedisOptions{Addrs: []string{closedPort(t)}, MasterName: "mymaster"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.DialTimeout, tc.opts.ReadTimeout, tc.opts.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
			s, err := NewRedisStore(tc.opts)
			if err != nil {
				t.Fatalf("NewRedisStore with Redis down: want a store that answers ErrUnavailable, got %v", err)
			}
			defer s.Close()
			checkAllUnavailable(t, s, 2*time.Second)
		})
	}

	t.Run("a redis-server that stops and restarts", func(t *testing.T) {
		srv := ownRedisServer(t)
		addr := srv.addr
		s, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		id := testID(t)
		if err := s.Put(ctx, id, sampleRecord(1), time.Minute); err != nil {
			t.Fatalf("Put while up: %v", err)
		}

		srv.stop()
		checkAllUnavailable(t, s, 2*time.Second)

		srv.start()
		// The pool's dead connections are replaced by themselves.
		deadline := time.Now().Add(5 * time.Second)
		for s.Ping(ctx) != nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if err := s.Put(ctx, id, sampleRecord(2), time.Minute); err != nil {
			t.Fatalf("Put after restart: want recovery, got %v", err)
		}
		got, err := s.Get(ctx, id)
		if err != nil || got.Identity.Email != sampleRecord(2).Identity.Email {
			t.Fatalf("Get after restart: want the new record, got %v (err %v)", got, err)
		}
	})
}

func checkAllUnavailable(t *testing.T, s *RedisStore, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	ops := []struct {
		name string
		do   func() error
	}{
		{"Get", func() error { _, err := s.Get(ctx, "some-id"); return err }},
		{"Put", func() error { return s.Put(ctx, "some-id", sampleRecord(1), time.Minute) }},
		{"Update", func() error { return s.Update(ctx, "some-id", sampleRecord(1), time.Minute) }},
		{"Delete", func() error { return s.Delete(ctx, "some-id") }},
		{"Lock", func() error { _, err := s.Lock(ctx, "k", time.Second, time.Second); return err }},
		{"Ping", func() error { return s.Ping(ctx) }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.do()
		took := time.Since(start)
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s on a dead Redis: want ErrUnavailable, got %v", op.name, err)
		}
		if took > within {
			t.Errorf("%s on a dead Redis: want an answer within %v, took %v", op.name, within, took)
		}
		t.Logf("%s on a dead Redis answered in %v", op.name, took.Round(time.Millisecond))
	}
}

func waitPing(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := pingAddr(addr)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server at %s did not answer PING within 5s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisWritesAfterTheServerClosedTheConnection: a Redis restarted (or an
// operator's CLIENT KILL) since the store last used a connection leaves it
// dead until something uses it; the store's writes, like its reads, go again
// on a new connection instead of failing a sign-in or a refresh with a 503.
func TestRedisWritesAfterTheServerClosedTheConnection(t *testing.T) {
	ctx := context.Background()
	srv := ownRedisServer(t)
	admin := redistest.NewAdmin(t, srv.addr)
	// The cache off: no connection then reads in the background, so a
	// closed one is found only by the next command sent on it (or by the
	// PING after pingGap of silence, too late to matter here).
	s, err := NewRedisStore(RedisOptions{Addrs: []string{srv.addr}, KeyPrefix: "logateway-killed:",
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	id := testID(t)
	rec := sampleRecord(1)
	killAll := func(t *testing.T) {
		t.Helper()
		for range 16 { // rueidis spreads commands over its connections: open them all
			if _, err := s.GetFresh(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatalf("GetFresh before the kill: %v", err)
			}
		}
		killed, err := admin.Do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").AsInt64()
		if err != nil || killed < 1 {
			t.Fatalf("CLIENT KILL TYPE normal SKIPME yes: killed %d (%v), want the store's connections", killed, err)
		}
	}
	for _, w := range []struct {
		name  string
		write func() error
	}{
		{"Put", func() error { return s.Put(ctx, id, rec, time.Minute) }},
		{"Update", func() error { rec.Version++; return s.Update(ctx, id, rec, time.Minute) }},
		{"Lock and unlock", func() error {
			unlock, err := s.Lock(ctx, "killed", time.Second, 0)
			if err != nil {
				return err
			}
			killAll(t)
			unlock()
			if n, err := admin.Do("EXISTS", s.lockKey("killed")).AsInt64(); err != nil || n != 0 {
				return fmt.Errorf("the lock is still held after unlock (EXISTS %d, %v)", n, err)
			}
			return nil
		}},
		{"Delete", func() error { return s.Delete(ctx, id) }},
	} {
		t.Run(w.name, func(t *testing.T) {
			for round := range 4 {
				if w.name == "Update" || w.name == "Delete" {
					if err := s.Put(ctx, id, rec, time.Minute); err != nil {
						t.Fatalf("Put before the kill: %v", err)
					}
				}
				killAll(t)
				if err := w.write(); err != nil {
					t.Fatalf("round %d: %s on connections the server closed: %v, want it sent again on a new one", round, w.name, err)
				}
			}
		})
	}
}
