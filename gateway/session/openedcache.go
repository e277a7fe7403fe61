package session

import (
	"sync"
	"unsafe"
)

// openedCache remembers, per session id, the record key and what the last
// blob read for it opened to, so a Get answered by the client-side cache
// does not hash the id, decrypt and decode again: a hit returns the very
// bytes rueidis holds, and a blob is recognised by the address of those
// bytes. The entry holds the blob itself, so its bytes stay alive and their
// address cannot be reused for another value; any new value from Redis is
// another allocation, so it never matches an old entry. Redis's own
// invalidations therefore need no handling here.
//
// It holds decoded records, as the memory store does; the ids and their
// AES keys are in this process's memory anyway (aeadCache, the Manager's
// cookie cache). The bound is simple: when full, the map is dropped.
type openedCache struct {
	mu sync.RWMutex
	m  map[string]opened
}

type opened struct {
	key  string // recordKey(id)
	blob []byte // the bytes rec was opened from
	rec  *Record
}

const openedCacheSize = 16384

func (c *openedCache) get(id string) (opened, bool) {
	c.mu.RLock()
	o, ok := c.m[id]
	c.mu.RUnlock()
	return o, ok
}

func (c *openedCache) put(id string, o opened) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= openedCacheSize {
		c.m = make(map[string]opened, 256)
	}
	c.m[id] = o
	c.mu.Unlock()
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// copyRecord returns a copy the caller may change: Record holds only values
// and strings.
func copyRecord(r *Record) *Record {
	c := *r
	return &c
}
