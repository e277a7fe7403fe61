package session

import (
	"context"
	"net/http"
	"testing"
)

// benchLoad measures Manager.Load end to end: cookie decode (base64, HMAC,
// AES-CTR) plus the store lookup, with `others` other live sessions stored
// first. The clock stands still, so no touch writes.
func benchLoad(b *testing.B, store Store, others int) {
	clock := newFakeClock()
	m := newTestManager(b, store, clock)
	w := headerSink{}
	for i := range others {
		clear(w)
		if _, err := m.Create(context.Background(), w, sampleRecord(i+2)); err != nil {
			b.Fatalf("store session %d: %v", i, err)
		}
	}
	_, c := create(b, m, sampleRecord(1))
	ctx := context.Background()
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
