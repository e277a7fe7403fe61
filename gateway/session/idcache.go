package session

import "sync"

// idCache remembers what verified cookie values decode to, so the request path
// does not redo base64 + HMAC + AES-CTR for a cookie it has already checked. It
// is safe because the same bytes always decode to the same ids under the same
// keys, and the Manager (with its keys) is rebuilt on every config reload, so a
// removed key takes its cache with it. Expiry is not the cache's business: the
// record's own idle and absolute deadlines are checked on every Load, and the
// cookie's timestamp can never outlive the absolute deadline it was issued with.
// A cookie value whose record is gone still misses in the store.
//
// The bound is simple: when full, the map is dropped and refilled. Entries are a
// few hundred bytes, so the default bound costs a few MiB at most.
type idCache struct {
	mu  sync.RWMutex
	m   map[string]cookieIDs
	max int
}

type cookieIDs struct{ public, store string }

const defaultIDCacheSize = 16384

func (c *idCache) get(value string) (cookieIDs, bool) {
	c.mu.RLock()
	ids, ok := c.m[value]
	c.mu.RUnlock()
	return ids, ok
}

func (c *idCache) put(value string, ids cookieIDs) {
	c.mu.Lock()
	if c.max == 0 {
		c.max = defaultIDCacheSize
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]cookieIDs, 256)
	}
	c.m[value] = ids
	c.mu.Unlock()
}
