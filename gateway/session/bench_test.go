package session

import (
	"context"
	"net/http"
	"testing"
)

// benchLoad measures Manager.Load end to end: cookie decode (base64, HMAC,
// AES-CTR) plus the store lookup. The clock stands still, so no touch writes.
func benchLoad(b *testing.B, store Store) {
	clock := newFakeClock()
	m := newTestManager(b, store, clock)
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
		benchLoad(b, s)
	})
	b.Run("redis", func(b *testing.B) {
		s, _, _ := newTestRedisStore(b)
		benchLoad(b, s)
	})
}

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
