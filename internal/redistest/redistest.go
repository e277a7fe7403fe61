// Package redistest gives tests a Redis to talk to: the real one when it
// answers (LOGATEWAY_TEST_REDIS, else 127.0.0.1:6379), an embedded miniredis
// otherwise — except in CI or with LOGATEWAY_REQUIRE_REDIS=1, where a
// missing Redis fails the test instead of quietly testing less. Each test
// gets its own key prefix and cleans only that prefix; nothing here ever
// runs FLUSHALL or FLUSHDB, so developers' data and parallel tests are safe.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultAddr is tried when LOGATEWAY_TEST_REDIS is unset.
const DefaultAddr = "127.0.0.1:6379"

// Addr returns the address of a Redis that answers PING.
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("LOGATEWAY_TEST_REDIS")
	if addr == "" {
		addr = DefaultAddr
	}
	if err := ping(addr); err == nil {
		return addr
	} else if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
		t.Fatalf("redistest: a real Redis is required (CI=true or LOGATEWAY_REQUIRE_REDIS=1) but %s did not answer PING: %v; start redis-server or set LOGATEWAY_TEST_REDIS", addr, err)
	}
	mr := miniredis.RunT(t)
	// miniredis expires keys only when told time passed; follow the wall
	// clock so TTL-based tests (expiry, stale locks) behave as on Redis.
	stop := make(chan struct{})
	go func() {
		last := time.Now()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	t.Cleanup(func() { close(stop) })
	t.Logf("redistest: no Redis answered at %s; using an embedded miniredis at %s (set LOGATEWAY_REQUIRE_REDIS=1 to require the real one)", addr, mr.Addr())
	return mr.Addr()
}

// IsReal reports whether addr is a real redis-server (miniredis lacks
// commands such as MEMORY USAGE and DEBUG).
func IsReal(t testing.TB, addr string) bool {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "server").Result()
	return err == nil && strings.Contains(info, "redis_version")
}

func ping(addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 500 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, MaxRetries: -1, DisableIdentity: true})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// Prefix returns a key prefix unique to this test and run, so parallel tests
// and runs never share keys. Pair it with FlushPrefix in t.Cleanup.
func Prefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("redistest: random prefix: %v", err)
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return "logateway-test:" + name + ":" + hex.EncodeToString(b[:]) + ":"
}

// FlushPrefix deletes every key under prefix (SCAN + UNLINK), never more.
func FlushPrefix(t testing.TB, addr, prefix string) {
	t.Helper()
	if prefix == "" {
		t.Fatal("redistest: FlushPrefix with an empty prefix would delete everything; refusing")
	}
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, escapeGlob(prefix)+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := c.Del(ctx, batch...).Err(); err != nil {
				t.Errorf("redistest: deleting keys under %q: %v", prefix, err)
				return
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("redistest: scanning keys under %q: %v", prefix, err)
		return
	}
	if len(batch) > 0 {
		if err := c.Del(ctx, batch...).Err(); err != nil {
			t.Errorf("redistest: deleting keys under %q: %v", prefix, err)
		}
	}
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
