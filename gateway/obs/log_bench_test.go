package obs

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkAccessLogLine is one access-log line as the observe middleware
// writes it: JSON through the redacting handler into the buffered writer.
func BenchmarkAccessLogLine(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			out := NewBufferedWriter(io.Discard, time.Second)
			defer out.Close()
			log, err := NewLogger(out, format, "info")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					log.LogAttrs(ctx, slog.LevelInfo, "request",
						slog.String("rid", "k3j5h6g7f8d9s0a1"),
						slog.String("site", "www.example.com"),
						slog.String("method", "GET"),
						slog.String("path", "/app/orders/42"),
						slog.String("route", "proxy"),
						slog.Int("status", 200),
						slog.Int("bytes", 1024),
						slog.Duration("dur", 412*time.Microsecond),
						slog.String("remote", "203.0.113.7:51234"),
					)
				}
			})
		})
	}
}

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
