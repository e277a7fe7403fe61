package session

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// benchLoad measures Manager.Load end to end: cookie decode (base64, HMAC,
// AES-CTR) plus the store lookup, with `others` other live sessions stored
// first. The clock stands still, so no touch writes.
func benchLoad(b *testing.B, store Store, others int) { benchLoadVia(b, store, store, others) }

// benchLoadVia stores the sessions through writer and loads through reader
// (two replicas): a store's own write keeps it off its cache for a second.
func benchLoadVia(b *testing.B, writer, reader Store, others int) {
	clock := newFakeClock()
	m := newTestManager(b, writer, clock)
	w := headerSink{}
	for i := range others {
		clear(w)
		if _, err := m.Create(context.Background(), w, sampleRecord(i+2)); err != nil {
			b.Fatalf("store session %d: %v", i, err)
		}
	}
	_, c := create(b, m, sampleRecord(1))
	m = newTestManager(b, reader, clock)
	// A server's request context can be cancelled: a store command's own
	// deadline joins its cancel tree, which a Background context has not.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := requestWith(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Load(ctx, r); err != nil {
			b.Fatalf("Load: %v", err)
		}
	}
}

func BenchmarkManagerLoad(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		s := NewMemoryStore(MemoryOptions{})
		defer s.Close()
		benchLoad(b, s, 0)
	})
	// The same lookup among 100,000 live sessions: the scaling table's
	// sessions row without the machine's noise (GC marking of the bigger heap
	// shows in the harness, not here).
	b.Run("memory-100k-sessions", func(b *testing.B) {
		s := NewMemoryStore(MemoryOptions{MaxSessions: 100_001})
		defer s.Close()
		benchLoad(b, s, 100_000)
	})
	b.Run("redis", func(b *testing.B) {
		s, _, _ := newTestRedisStore(b)
		benchLoad(b, s, 0)
	})
	b.Run("redis-cache", func(b *testing.B) {
		writer, reader := cachedPair(b)
		benchLoadVia(b, writer, reader, 0)
	})
}

// cachedPair is two stores on the test Redis under one prefix, the second
// with the client-side cache.
func cachedPair(b *testing.B) (writer, reader *RedisStore) {
	writer, addr, prefix := newTestRedisStore(b)
	reader, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix, LocalCacheTTL: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = reader.Close() })
	return writer, reader
}

// BenchmarkManagerLoadParallelRedis: 64 concurrent Loads of 1,024 sessions,
// as at -c64, where rueidis writes concurrent commands together.
func BenchmarkManagerLoadParallelRedis(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cache bool
	}{{"no-cache", false}, {"cache", true}} {
		b.Run(tc.name, func(b *testing.B) {
			writer, reader := cachedPair(b)
			if !tc.cache {
				reader = writer
			}
			clock := newFakeClock()
			m := newTestManager(b, writer, clock)
			reqs := make([]*http.Request, 1024) // read concurrently, never changed
			for i := range reqs {
				_, c := create(b, m, sampleRecord(i))
				reqs[i] = requestWith(c)
			}
			m = newTestManager(b, reader, clock)
			b.SetParallelism(32)
			b.ReportAllocs()
			b.ResetTimer()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(97)) // callers spread over the sessions, as visitors are
				for pb.Next() {
					if _, err := m.Load(context.Background(), reqs[i%len(reqs)]); err != nil {
						b.Errorf("Load: %v", err)
						return
					}
					i++
				}
			})
		})
	}
}

// headerSink is a ResponseWriter for Manager.Create's Set-Cookie.
type headerSink http.Header

func (h headerSink) Header() http.Header       { return http.Header(h) }
func (headerSink) Write(p []byte) (int, error) { return len(p), nil }
func (headerSink) WriteHeader(int)             {}

func BenchmarkManagerLoadParallelMemory(b *testing.B) {
	s := NewMemoryStore(MemoryOptions{})
	defer s.Close()
	clock := newFakeClock()
	m := newTestManager(b, s, clock)
	cookies := make([]*http.Cookie, 1024)
	for i := range cookies {
		_, cookies[i] = create(b, m, sampleRecord(i))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := m.Load(context.Background(), requestWith(cookies[i%len(cookies)])); err != nil {
				b.Errorf("Load: %v", err)
				return
			}
			i++
		}
	})
}

func BenchmarkCookieDecode(b *testing.B) {
	s := NewMemoryStore(MemoryOptions{})
	defer s.Close()
	m := newTestManager(b, s, newFakeClock())
	_, c := create(b, m, sampleRecord(1))
	b.ReportAllocs()
	for b.Loop() {
		var raw []byte
		if err := decodeCookie(m, c.Value, &raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordCodec(b *testing.B) {
	rec := sampleRecord(1)
	b.Run("seal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = seal("k", "0123456789012345678901234567890123456789012", rec)
		}
	})
	blob, _ := seal("k", "0123456789012345678901234567890123456789012", rec)
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := open("k", "0123456789012345678901234567890123456789012", blob); err != nil {
				b.Fatal(err)
			}
		}
	})
}
