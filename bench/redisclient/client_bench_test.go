// Package redisclient measures the two Redis clients the Redis session store
// could use, go-redis v9 (the store's today) and rueidis, on the store's own
// workload: concurrent GET of a ~800-byte session record and SET of one with a
// TTL, 64 callers at once (one per in-flight request at -c64), against the
// real Redis at 127.0.0.1:6379 (LOGATEWAY_TEST_REDIS overrides).
//
// It is a module of its own so that rueidis, needed only for this comparison,
// stays out of the gateway's go.mod. Run it with `make bench` or
//
//	cd bench/redisclient && go test -run '^$' -bench . -benchmem
package redisclient

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

const (
	callers    = 64              // concurrent callers, as the proxy's -c64 requests
	keys       = 1024            // distinct session records read and written
	recordSize = 800             // bytes: a sealed session record (README: value 560 B, key 116 B, 808 B in Redis)
	ttl        = time.Hour       // the SET's expiry, as the store's session TTL
	opTimeout  = 4 * time.Second // the store's per-command bound (dial + read + write)
)

func addr() string {
	if a := os.Getenv("LOGATEWAY_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// fixture writes the records every benchmark reads under a prefix of its own
// and deletes them at the end. A missing Redis fails the benchmark: numbers
// without the real server would mean nothing.
type fixture struct {
	names []string
	value []byte
}

func setup(b *testing.B) *fixture {
	b.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr()})
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		b.Fatalf("Redis at %s does not answer (%v); start one or set LOGATEWAY_TEST_REDIS", addr(), err)
	}
	f := &fixture{value: make([]byte, recordSize)}
	_, _ = rand.Read(f.value)
	prefix := fmt.Sprintf("logateway-clientbench-%d-%d:s:", os.Getpid(), time.Now().UnixNano())
	pipe := rdb.Pipeline()
	for i := range keys {
		// Key names like the store's: a prefix and a 43-character hash.
		n := fmt.Sprintf("%s%043d", prefix, i)
		f.names = append(f.names, n)
		pipe.Set(ctx, n, f.value, ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatalf("write the fixture records: %v", err)
	}
	b.Cleanup(func() {
		rdb.Del(context.Background(), f.names...)
		rdb.Close()
	})
	return f
}

// parallel runs op from `callers` goroutines, each walking the keys from its
// own offset.
func parallel(b *testing.B, f *fixture, op func(ctx context.Context, name string) error) {
	b.Helper()
	p := (callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	b.SetParallelism(p)
	b.SetBytes(recordSize)
	b.ReportAllocs()
	var seq atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(7919))
		for pb.Next() {
			i++
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			err := op(ctx, f.names[i%keys])
			cancel()
			if err != nil {
				failed.CompareAndSwap(nil, err)
			}
		}
	})
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

// goRedis is the client as the store builds it (gateway/session/redis.go).
func goRedis(b *testing.B) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr: addr(), DialTimeout: 2 * time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: 1, DialerRetries: 1, ContextTimeoutEnabled: true, DisableIdentity: true,
	})
	b.Cleanup(func() { c.Close() })
	return c
}

// rueidisClient is rueidis with its defaults: auto-pipelining of concurrent
// commands onto one connection, RESP3 CLIENT TRACKING for DoCache.
func rueidisClient(b *testing.B, cache bool) rueidis.Client {
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{addr()}, DisableCache: !cache,
		Dialer: net.Dialer{Timeout: 2 * time.Second}, ConnWriteTimeout: time.Second,
	})
	if err != nil {
		b.Fatalf("rueidis: %v", err)
	}
	b.Cleanup(c.Close)
	return c
}

func BenchmarkGet(b *testing.B) {
	f := setup(b)
	b.Run("go-redis", func(b *testing.B) {
		c := goRedis(b)
		parallel(b, f, func(ctx context.Context, n string) error {
			v, err := c.Get(ctx, n).Bytes()
			return check(v, err)
		})
	})
	b.Run("rueidis", func(b *testing.B) {
		c := rueidisClient(b, false)
		parallel(b, f, func(ctx context.Context, n string) error {
			v, err := c.Do(ctx, c.B().Get().Key(n).Build()).AsBytes()
			return check(v, err)
		})
	})
	// Server-assisted client-side caching: the first GET of a key asks Redis to
	// track it; later GETs are answered from this process until Redis pushes
	// an invalidation (any write, expiry or deletion of the key, by anyone).
	b.Run("rueidis-client-cache", func(b *testing.B) {
		c := rueidisClient(b, true)
		parallel(b, f, func(ctx context.Context, n string) error {
			v, err := c.DoCache(ctx, c.B().Get().Key(n).Cache(), 10*time.Second).AsBytes()
			return check(v, err)
		})
	})
}

func BenchmarkSetWithTTL(b *testing.B) {
	f := setup(b)
	b.Run("go-redis", func(b *testing.B) {
		c := goRedis(b)
		parallel(b, f, func(ctx context.Context, n string) error {
			return c.Set(ctx, n, f.value, ttl).Err()
		})
	})
	b.Run("rueidis", func(b *testing.B) {
		c := rueidisClient(b, false)
		parallel(b, f, func(ctx context.Context, n string) error {
			return c.Do(ctx, c.B().Set().Key(n).Value(rueidis.BinaryString(f.value)).Ex(ttl).Build()).Error()
		})
	})
}

func check(v []byte, err error) error {
	if err != nil {
		return err
	}
	if len(v) != recordSize {
		return fmt.Errorf("GET returned %d bytes, want %d", len(v), recordSize)
	}
	return nil
}
