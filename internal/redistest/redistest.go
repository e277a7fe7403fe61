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
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/rueidis"
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
// commands such as MEMORY USAGE, DEBUG and CLIENT TRACKING).
func IsReal(t testing.TB, addr string) bool {
	t.Helper()
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.Do(ctx, c.B().Info().Section("server").Build()).ToString()
	return err == nil && strings.Contains(info, "redis_version")
}

// Admin is a plain client (no cache, no retries) for a test to look at or
// change what a store wrote, as an operator with redis-cli would.
type Admin struct{ rueidis.Client }

// NewAdmin connects to addr and closes the client in t.Cleanup.
func NewAdmin(t testing.TB, addr string) *Admin {
	t.Helper()
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		t.Fatalf("redistest: connecting to %s: %v", addr, err)
	}
	t.Cleanup(c.Close)
	return &Admin{c}
}

// Do sends one command spelt as redis-cli takes it, e.g. Do("DEL", key).
func (a *Admin) Do(args ...string) rueidis.RedisResult {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.Client.Do(ctx, a.B().Arbitrary(args...).Build())
}

// Dial connects a plain single-server client (no cache, no retries) with
// timeout for the dial and each reply; a server that is down is an error
// here, not a client that dials again later.
func Dial(addr string, timeout time.Duration) (rueidis.Client, error) {
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{addr}, ForceSingleClient: true, DisableCache: true, DisableRetry: true,
		Dialer: net.Dialer{Timeout: timeout}, ConnWriteTimeout: timeout,
		ClientSetInfo: rueidis.DisableClientSetInfo,
	})
	if err != nil {
		if c != nil {
			c.Close()
		}
		return nil, err
	}
	return c, nil
}

func ping(addr string) error {
	c, err := Dial(addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.Do(ctx, c.B().Ping().Build()).Error()
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

// FlushPrefix deletes every key under prefix (SCAN + DEL), never more.
func FlushPrefix(t testing.TB, addr, prefix string) {
	t.Helper()
	if prefix == "" {
		t.Fatal("redistest: FlushPrefix with an empty prefix would delete everything; refusing")
	}
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		t.Errorf("redistest: cleaning keys under %q: %v", prefix, err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cursor := uint64(0)
	for {
		e, err := c.Do(ctx, c.B().Scan().Cursor(cursor).Match(escapeGlob(prefix)+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			t.Errorf("redistest: scanning keys under %q: %v", prefix, err)
			return
		}
		if len(e.Elements) > 0 {
			if err := c.Do(ctx, c.B().Del().Key(e.Elements...).Build()).Error(); err != nil {
				t.Errorf("redistest: deleting keys under %q: %v", prefix, err)
				return
			}
		}
		if cursor = e.Cursor; cursor == 0 {
			return
		}
	}
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
