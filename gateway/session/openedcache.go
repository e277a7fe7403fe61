package session

import "unsafe"

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
// cookie cache). It is bounded as boundedMap is.
type openedCache = boundedMap[opened]

type opened struct {
	key  string // recordKey(id)
	blob []byte // the bytes rec was opened from
	rec  *Record
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
