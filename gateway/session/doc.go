// Package session keeps visitor sessions server-side: the browser holds only
// a signed and encrypted cookie (gorilla/securecookie, key rotation: the
// first key writes, every key reads) whose payload is 256 random bits; the
// tokens and identity live in a Store (MemoryStore for one instance,
// RedisStore for several replicas).
//
// Encryption at rest. RedisStore seals each record with AES-256-GCM under a
// key derived (HKDF-SHA256) from that session's cookie secret, and names the
// key after a separate one-way hash of it. We chose a per-session key carried
// only in the cookie over one derived from the configured session keys
// because the configured keys sit in the gateway's config, env and backups:
// with them, a Redis dump would give up every session at once. With the
// per-session key a dump plus the gateway's config decrypts nothing; an
// attacker needs each victim's cookie, which is already a bearer credential
// for that session. The cost: a record cannot be read without its cookie, so
// there is no server-side "list everyone's sessions" (none is needed), and
// rotating the configured keys never requires re-encrypting Redis.
//
// Failure is not sign-out: a store that cannot answer yields ErrUnavailable
// (callers answer 503), distinct from ErrNoSession. LastSeen is written at
// most every TouchInterval, and Store.Update refuses to overwrite a record
// with a newer Version, so a slow request's touch cannot undo a token refresh
// and cannot resurrect a destroyed session.
//
// Client-side cache (RedisOptions.LocalCacheTTL; the config turns it on by
// default): Get reads through rueidis's DoCache, Redis's server-assisted
// client-side caching. Redis tracks the keys each connection read (RESP3
// CLIENT TRACKING) and pushes an invalidation when one changes, whoever
// changed it, expiry and deletion included; entries never outlive the key's
// own TTL, and the cache lives on the connection, so rueidis drops it when the
// connection ends. A store's own write bypasses its cache for that key for a
// second (Redis tells a connection of its own write after the reply). Left: a
// replica cut off from Redis without its connection closing answers from
// memory until rueidis's unanswered PING closes it (2 x pingGap + the read
// timeout). Manager.Reload reads past the cache (FreshGetter).
package session
