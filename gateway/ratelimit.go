package gateway

import (
	"sync"
	"time"
)

// limiter is a per-session fixed-window rate limit for frontdoor minting, kept
// per replica (a burst spread over replicas is bounded by replicas × limit).
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	seen   map[string]*window
	sweep  time.Time
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(limit int, per time.Duration) *limiter {
	return &limiter{limit: limit, window: per, seen: map[string]*window{}}
}

// allow counts one call for key; when over the limit it says how long to wait.
func (l *limiter) allow(key string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.window {
		for k, w := range l.seen {
			if now.Sub(w.start) > l.window {
				delete(l.seen, k)
			}
		}
		l.sweep = now
	}
	w := l.seen[key]
	if w == nil || now.Sub(w.start) > l.window {
		l.seen[key] = &window{start: now, n: 1}
		return 0, true
	}
	if w.n >= l.limit {
		return w.start.Add(l.window).Sub(now), false
	}
	w.n++
	return 0, true
}
