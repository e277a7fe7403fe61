package session

// idCache remembers what verified cookie values decode to, so the request path
// does not redo base64 + HMAC + AES-CTR for a cookie it has already checked. It
// is safe because the same bytes always decode to the same ids under the same
// keys, and the Manager (with its keys) is rebuilt on every config reload, so a
// removed key takes its cache with it. Expiry is not the cache's business: the
// record's own idle and absolute deadlines are checked on every Load, and the
// cookie's timestamp can never outlive the absolute deadline it was issued with.
// A cookie value whose record is gone still misses in the store.
//
// Entries are a few hundred bytes, so the bound (boundedMap's) costs a few MiB
// at most.
type idCache = boundedMap[cookieIDs]

type cookieIDs struct{ public, store string }
