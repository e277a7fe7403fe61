package session

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/rueidis"
)

// RedisOptions configures NewRedisStore. One address is a standalone server,
// several a cluster; with MasterName the addresses are Sentinels.
type RedisOptions struct {
	Addrs      []string
	MasterName string
	DB         int
	Username   string
	Password   string
	TLS        *tls.Config
	KeyPrefix  string // default "logateway:"
	// PoolSize bounds the connections for large batches only: commands
	// share one pipelined connection per server.
	PoolSize int
	// Timeouts bound how long a request waits on a dead Redis before it gets
	// ErrUnavailable. Defaults 2s, 1s, 1s.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
	// LocalCacheTTL > 0 lets Get answer from this process's memory for at
	// most that long, with Redis's server-assisted client-side caching: Redis
	// tells this client of every change to a key it read, whoever made it,
	// expiry and deletion included (see doc.go). 0 reads Redis on every Get.
	LocalCacheTTL time.Duration
	// Hooks are told of every command sent: metrics (CommandTimer) and
	// tracing (CommandSpans).
	Hooks []Hook
}

// RedisStore is the Store for several replicas. Records are sealed with
// AES-256-GCM under a key derived from the session id itself (seal.go,
// doc.go); key names are hashes of the id.
type RedisStore struct {
	client   *lazyClient
	prefix   string
	cacheTTL time.Duration
	hooks    []Hook
	written  writtenKeys // with the cache on: see aboutToWrite
	// openedRecs skips hashing and opening a blob the cache returned before.
	openedRecs openedCache
	// opTimeout bounds a whole command (dial + write + read) even when the
	// caller's context has no deadline.
	opTimeout time.Duration
}

// NewRedisStore builds the client. It does not need Redis to be up: a gateway
// starts while Redis is down and recovers when it comes up (readyz uses Ping).
func NewRedisStore(opts RedisOptions) (*RedisStore, error) {
	if len(opts.Addrs) == 0 {
		return nil, errors.New("session: redis store: no address; set session.redis.addrs")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "logateway:"
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 2 * time.Second
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = time.Second
	}
	s := &RedisStore{
		client:    &lazyClient{opt: clientOptions(opts)},
		prefix:    opts.KeyPrefix,
		cacheTTL:  opts.LocalCacheTTL,
		hooks:     opts.Hooks,
		opTimeout: opts.DialTimeout + opts.ReadTimeout + opts.WriteTimeout,
	}
	_, _ = s.client.get() // connect now if Redis is there; a later command retries if not
	return s, nil
}

// CacheOn reports whether Gets are answered from the client-side cache: the
// cache is configured and the server accepted CLIENT TRACKING (tests, logs).
func (s *RedisStore) CacheOn() bool { return s.client.cacheOn.Load() }

func (s *RedisStore) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

func (s *RedisStore) recordKey(id string) string { return s.prefix + "s:" + hashName("record", id) }
func (s *RedisStore) lockKey(key string) string  { return s.prefix + "l:" + hashName("lock", key) }

// Get implements Store. A record that fails to decrypt (tampered, or not
// written for this id) is ErrNotFound: it cannot be used, and the store
// itself answered. With the cache on, a record read before answers from
// memory until Redis says it changed, the cache TTL passes, or Redis's own
// TTL for the key runs out, whichever comes first.
func (s *RedisStore) Get(ctx context.Context, id string) (*Record, error) {
	if s.cacheTTL <= 0 {
		return s.GetFresh(ctx, id)
	}
	last, known := s.openedRecs.get(id)
	key := last.key
	if !known {
		key = s.recordKey(id)
	}
	if s.written.recent(key) {
		return s.GetFresh(ctx, id)
	}
	op := newOpContext(ctx, s.opTimeout) // a cache hit never starts its timer
	defer op.stop()
	blob, err := s.doCached(op, key).AsBytes()
	if known && err == nil && sameBytes(blob, last.blob) {
		return copyRecord(last.rec), nil // the cache's own bytes: opened before
	}
	rec, err := s.opened(key, id, blob, err)
	if err == nil {
		s.openedRecs.put(id, opened{key: key, blob: blob, rec: copyRecord(rec)})
	}
	return rec, err
}

// GetFresh is Get straight from Redis, past the cache: for a decision that
// must see the latest record (after taking the refresh lock, or after Update
// reported ErrStale). Manager uses it when the store has it.
func (s *RedisStore) GetFresh(ctx context.Context, id string) (*Record, error) {
	key := s.recordKey(id)
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	blob, err := s.do(ctx, "get", func(b rueidis.Builder) rueidis.Completed { return b.Get().Key(key).Build() }).AsBytes()
	return s.opened(key, id, blob, err)
}

// opened turns a GET's answer into the Store's.
func (s *RedisStore) opened(key, id string, blob []byte, err error) (*Record, error) {
	if rueidis.IsRedisNil(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, unavailable("GET", err)
	}
	rec, err := open(key, id, blob)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return rec, nil
}

// Put implements Store. Redis expires the key after ttl (remaining lifetime).
//
// Every write of this store is safe to send twice: SET and DEL leave the same
// state however often they run, Update's script compares versions, a lock
// recognises its own token. So each is retryable: a write that meets a
// connection the server closed (Redis restarted since this replica last used
// it) is sent once more on a new one instead of failing the request, as reads
// are. Without it a sign-in right after a quick restart got a 503.
func (s *RedisStore) Put(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	key, blob, err := s.sealForWrite("put", id, rec, ttl, true)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r := s.do(ctx, "set", func(b rueidis.Builder) rueidis.Completed {
		return b.Set().Key(key).Value(rueidis.BinaryString(blob)).PxMilliseconds(ttl.Milliseconds()).Build().ToRetryable()
	})
	if err := r.Error(); err != nil {
		return unavailable("SET", err)
	}
	return nil
}

// sealForWrite checks ttl, seals rec for id and, with readBack, marks its key
// as about to be written (see aboutToWrite).
func (s *RedisStore) sealForWrite(op, id string, rec *Record, ttl time.Duration, readBack bool) (key string, blob []byte, err error) {
	if ttl <= 0 {
		return "", nil, fmt.Errorf("session: redis %s: ttl must be positive, got %v", op, ttl)
	}
	key = s.recordKey(id)
	blob, err = seal(key, id, rec)
	if err != nil {
		return "", nil, fmt.Errorf("session: sealing record: %w", err)
	}
	if readBack {
		s.aboutToWrite(key)
	}
	return key, blob, nil
}

// updateScript replaces the value only if the key exists and its stored
// version (first 8 bytes, big-endian, so byte order is numeric order) is not
// greater than the new one. Returns 1 on write, 0 if gone, -1 if stale.
var updateScript = rueidis.NewLuaScriptRetryable(`
local cur = redis.call('GETRANGE', KEYS[1], 0, 7)
if cur == '' then return 0 end
for i = 1, 8 do
  local a, b = string.byte(cur, i), string.byte(ARGV[1], i)
  if a ~= b then
    if a > b then return -1 end
    break
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// Update implements Store.
func (s *RedisStore) Update(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	return s.update(ctx, id, rec, ttl, true)
}

// Touch is Update for a record whose only change is LastSeen, and it leaves
// this store reading the key through its cache: until Redis's invalidation of
// the write arrives (it follows the write's reply on the same connection) a
// Get here may still return the record as it was, which differs only in
// LastSeen. Update instead reads its key back from Redis for a second, which
// at a touch meant a second of round trips for every request of a busy
// session, once a minute. Manager does not touch a session again within a
// second, so such a read does not write again.
func (s *RedisStore) Touch(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	return s.update(ctx, id, rec, ttl, false)
}

func (s *RedisStore) update(ctx context.Context, id string, rec *Record, ttl time.Duration, readBack bool) error {
	key, blob, err := s.sealForWrite("update", id, rec, ttl, readBack)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r := s.exec(ctx, updateScript, key, rueidis.BinaryString(blob), strconv.FormatInt(ttl.Milliseconds(), 10))
	n, err := r.AsInt64()
	switch {
	case err != nil:
		return unavailable("update script", err)
	case n == 0:
		return ErrNotFound
	case n < 0:
		return ErrStale
	}
	return nil
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, id string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	key := s.recordKey(id)
	s.aboutToWrite(key)
	r := s.do(ctx, "del", func(b rueidis.Builder) rueidis.Completed { return b.Del().Key(key).Build().ToRetryable() })
	if err := r.Error(); err != nil {
		return unavailable("DEL", err)
	}
	return nil
}

// unlockScript deletes the lock only if it still holds our token, so a
// holder whose lock expired cannot release the next holder's lock.
var unlockScript = rueidis.NewLuaScriptRetryable(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// lockScript takes the lock for the token (ARGV[1]) if no one holds it (SET
// NX PX), and counts it taken if the token already holds it: sent again
// after a connection died under it, it must not find itself the holder.
// Returns 1 when the token holds the lock, 0 when another does.
var lockScript = rueidis.NewLuaScriptRetryable(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// Lock implements Store with a random token set with NX PX (lockScript).
func (s *RedisStore) Lock(ctx context.Context, key string, ttl, wait time.Duration) (func(), error) {
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("session: redis lock: ttl must be at least 1ms, got %v", ttl)
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(raw[:])
	name := s.lockKey(key)
	err := pollLock(ctx, wait, func() (bool, error) {
		cctx, cancel := s.ctx(ctx)
		defer cancel()
		n, err := s.exec(cctx, lockScript, name, token, strconv.FormatInt(ttl.Milliseconds(), 10)).AsInt64()
		if err != nil {
			return false, unavailable("lock script", err)
		}
		return n == 1, nil // 0: taken
	})
	if err != nil {
		return nil, err
	}
	return sync.OnceFunc(func() {
		// A detached context: the request may already be cancelled, and
		// leaving the lock to expire would stall the next refresh.
		cctx, cancel := s.ctx(context.Background())
		defer cancel()
		_ = s.exec(cctx, unlockScript, name, token)
	}), nil
}

// Ping implements Store.
func (s *RedisStore) Ping(ctx context.Context) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.do(ctx, "ping", func(b rueidis.Builder) rueidis.Completed { return b.Ping().Build() }).Error(); err != nil {
		return unavailable("PING", err)
	}
	return nil
}

// Close implements Store.
func (s *RedisStore) Close() error {
	s.client.close()
	return nil
}
