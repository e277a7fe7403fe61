package obs

import (
	"testing"
)

// BenchmarkObserve is the two metric updates every request makes.
func BenchmarkObserve(b *testing.B) {
	m := NewMetrics()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe("proxy", 200, 0.000412)
		}
	})
}

// BenchmarkRequestID is the id minted for a request that brings none.
func BenchmarkRequestID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewRequestID()
	}
}
