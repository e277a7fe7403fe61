package session

import "sync"

// boundedMap is a string-keyed map for the request path's caches, safe for
// concurrent use, read under a shared lock. The bound is simple: when full,
// the map is dropped and refilled, so it never holds more than max entries
// (defaultCacheSize when max is 0) and costs nothing to keep in order.
type boundedMap[V any] struct {
	mu  sync.RWMutex
	m   map[string]V
	max int
}

const defaultCacheSize = 16384

func (c *boundedMap[V]) get(key string) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	return v, ok
}

func (c *boundedMap[V]) put(key string, v V) {
	c.mu.Lock()
	if c.max == 0 {
		c.max = defaultCacheSize
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]V, 256)
	}
	c.m[key] = v
	c.mu.Unlock()
}
