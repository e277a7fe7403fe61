package session

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
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
	PoolSize   int
	// Timeouts bound how long a request waits on a dead Redis before it gets
	// ErrUnavailable. Defaults 2s, 1s, 1s.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
	// LocalCacheTTL > 0 keeps recently read records in this process for at
	// most that long, invalidated across replicas over pub/sub on
	// <KeyPrefix>inval (see localcache.go). 0 reads Redis on every Get.
	LocalCacheTTL time.Duration
	// Hooks are added to the client before its first command: metrics
	// (CommandTimer) and tracing see every command and pipeline.
	Hooks []redis.Hook
}

// RedisStore is the Store for several replicas. Records are sealed with
// AES-256-GCM under a key derived from the session id itself (see doc.go);
// key names are hashes of the id.
type RedisStore struct {
	client redis.UniversalClient
	prefix string
	// opTimeout bounds a whole command (dial + write + read) even when the
	// caller's context has no deadline.
	opTimeout time.Duration

	// cache and sub are nil unless RedisOptions.LocalCacheTTL > 0; channel
	// is where every write publishes the key name it changed.
	cache   *recordCache
	sub     *subscriber
	channel string
}

// NewRedisStore builds the client. It does not contact Redis: a gateway
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
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:        opts.Addrs,
		MasterName:   opts.MasterName,
		DB:           opts.DB,
		Username:     opts.Username,
		Password:     opts.Password,
		TLSConfig:    opts.TLS,
		PoolSize:     opts.PoolSize,
		DialTimeout:  opts.DialTimeout,
		ReadTimeout:  opts.ReadTimeout,
		WriteTimeout: opts.WriteTimeout,
		// One retry covers a pooled connection that died with a restarted
		// server; more would multiply the time a visitor waits for a 503.
		MaxRetries:    1,
		DialerRetries: 1, // the default 5 dials with backoff would make a dead Redis slow to report

		ContextTimeoutEnabled: true,
		DisableIdentity:       true,
	})
	for _, h := range opts.Hooks {
		client.AddHook(h)
	}
	s := &RedisStore{
		client:    client,
		prefix:    opts.KeyPrefix,
		opTimeout: opts.DialTimeout + opts.ReadTimeout + opts.WriteTimeout,
	}
	if opts.LocalCacheTTL > 0 {
		s.channel = opts.KeyPrefix + "inval"
		s.cache = newRecordCache(opts.LocalCacheTTL, cacheMaxEntries)
		s.sub = startSubscriber(client, s.channel, s.cache)
	}
	return s, nil
}

// Client exposes the underlying client (tests, readiness probes).
func (s *RedisStore) Client() redis.UniversalClient { return s.client }

func (s *RedisStore) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%w: redis %s: %w", ErrUnavailable, op, err)
}

// hashName turns an id into a key-name component. The name must not let a
// reader of KEYS or a dump recover the cookie's value, so it is a one-way
// hash, domain-separated from the record key derivation.
func hashName(kind, id string) string {
	h := sha256.New()
	h.Write([]byte("logateway/session/name/" + kind + "\x00"))
	h.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

func (s *RedisStore) recordKey(id string) string { return s.prefix + "s:" + hashName("record", id) }
func (s *RedisStore) lockKey(key string) string  { return s.prefix + "l:" + hashName("lock", key) }

// recordAEAD returns the per-session AES-256-GCM cipher, derived from the id
// once and then remembered: HKDF and the AES key schedule were a measurable share
// of every Redis-backed request. The memory already holds these ids (the
// Manager's cookie cache); the bound keeps it small.
func recordAEAD(id string) (cipher.AEAD, error) {
	aeadCache.mu.RLock()
	a, ok := aeadCache.m[id]
	aeadCache.mu.RUnlock()
	if ok {
		return a, nil
	}
	a, err := deriveAEAD(id)
	if err != nil {
		return nil, err
	}
	aeadCache.mu.Lock()
	if aeadCache.m == nil || len(aeadCache.m) >= aeadCacheSize {
		aeadCache.m = make(map[string]cipher.AEAD, 256)
	}
	aeadCache.m[id] = a
	aeadCache.mu.Unlock()
	return a, nil
}

const aeadCacheSize = 16384

var aeadCache struct {
	mu sync.RWMutex
	m  map[string]cipher.AEAD
}

func deriveAEAD(id string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(id), nil, "logateway/session/record-key/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Stored value layout: version (8 bytes big-endian, in the clear so the
// Update script can compare it) | nonce (12) | GCM(seal of the encoded
// record). The version and key name are the AEAD's additional data, so
// neither can be changed or the blob moved to another key undetected.
const versionLen = 8

func seal(key string, id string, rec *Record) ([]byte, error) {
	aead, err := recordAEAD(id)
	if err != nil {
		return nil, err
	}
	plain := appendRecord(make([]byte, 0, 512), rec)
	out := make([]byte, versionLen+aead.NonceSize(), versionLen+aead.NonceSize()+len(plain)+aead.Overhead())
	binary.BigEndian.PutUint64(out, uint64(max(rec.Version, 0)))
	if _, err := rand.Read(out[versionLen:]); err != nil {
		return nil, err
	}
	ad := append(out[:versionLen:versionLen], key...)
	out = aead.Seal(out, out[versionLen:], plain, ad)
	clear(plain)
	return out, nil
}

func open(key, id string, blob []byte) (*Record, error) {
	aead, err := recordAEAD(id)
	if err != nil {
		return nil, err
	}
	if len(blob) < versionLen+aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: stored value too short", errBadRecord)
	}
	ad := append(blob[:versionLen:versionLen], key...)
	nonce := blob[versionLen : versionLen+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, blob[versionLen+aead.NonceSize():], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: record failed authentication", errBadRecord)
	}
	return decodeRecord(plain)
}

// Get implements Store. A record that fails to decrypt (tampered, or not
// written for this id) is ErrNotFound: it cannot be used, and the store
// itself answered. With the local cache on, a live cache answers without
// Redis; otherwise (or on a miss) Redis does, as GetFresh.
func (s *RedisStore) Get(ctx context.Context, id string) (*Record, error) {
	if s.cache == nil || !s.cache.usable() {
		return s.GetFresh(ctx, id)
	}
	key := s.recordKey(id)
	blob, gen, ok := s.cache.get(key)
	if ok {
		rec, err := open(key, id, blob)
		if err == nil {
			return rec, nil
		}
		s.cache.evict(key) // never cached unless it opened: not reached in practice
	}
	// GET and PTTL in one round trip: an entry must not outlive the key in
	// Redis (the Store contract: an expired record is ErrNotFound).
	cctx, cancel := s.ctx(ctx)
	defer cancel()
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := s.client.Pipelined(cctx, func(p redis.Pipeliner) error {
		get = p.Get(cctx, key)
		pttl = p.PTTL(cctx, key)
		return nil
	})
	blob, gerr := get.Bytes()
	if errors.Is(gerr, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, unavailable("GET", err)
	}
	rec, err := open(key, id, blob)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if left := pttl.Val(); pttl.Err() == nil && left > 0 {
		s.cache.fill(key, blob, gen, left)
	}
	return rec, nil
}

// GetFresh is Get straight from Redis, bypassing the local cache: for a
// decision that must see the latest record (after taking the refresh lock,
// or after Update reported ErrStale). Manager uses it when the store has it.
func (s *RedisStore) GetFresh(ctx context.Context, id string) (*Record, error) {
	rec, _, err := s.read(ctx, s.recordKey(id), id)
	return rec, err
}

func (s *RedisStore) read(ctx context.Context, key, id string) (*Record, []byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	blob, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, unavailable("GET", err)
	}
	rec, err := open(key, id, blob)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return rec, blob, nil
}

// written evicts key from this replica's cache. Called after every write
// whatever its outcome: a failed command may still have been applied.
func (s *RedisStore) written(key string) {
	if s.cache != nil {
		s.cache.evict(key)
	}
}

// Put implements Store. Redis expires the key after ttl (remaining lifetime).
func (s *RedisStore) Put(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("session: redis put: ttl must be positive, got %v", ttl)
	}
	key := s.recordKey(id)
	blob, err := seal(key, id, rec)
	if err != nil {
		return fmt.Errorf("session: sealing record: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	defer s.written(key)
	return s.writeAnnounced(ctx, "SET", key, func(c redis.Cmdable) { c.Set(ctx, key, blob, ttl) })
}

// writeAnnounced runs one write; with the local cache on, it runs it together
// with the PUBLISH of its invalidation in one MULTI, so both land or neither.
func (s *RedisStore) writeAnnounced(ctx context.Context, op, key string, write func(redis.Cmdable)) error {
	var err error
	if s.cache == nil {
		_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			write(p)
			return nil
		})
	} else {
		_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			write(p)
			p.Publish(ctx, s.channel, key)
			return nil
		})
	}
	if err != nil {
		return unavailable(op, err)
	}
	return nil
}

// updateScript replaces the value only if the key exists and its stored
// version (first 8 bytes, big-endian, so byte order is numeric order) is not
// greater than the new one. Returns 1 on write, 0 if gone, -1 if stale.
var updateScript = redis.NewScript(`
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
if ARGV[3] then redis.call('PUBLISH', ARGV[3], KEYS[1]) end
return 1
`)

// Update implements Store.
func (s *RedisStore) Update(ctx context.Context, id string, rec *Record, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("session: redis update: ttl must be positive, got %v", ttl)
	}
	key := s.recordKey(id)
	blob, err := seal(key, id, rec)
	if err != nil {
		return fmt.Errorf("session: sealing record: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	defer s.written(key)
	args := []any{blob, strconv.FormatInt(ttl.Milliseconds(), 10)}
	if s.cache != nil {
		args = append(args, s.channel) // the script publishes the key name on a write
	}
	n, err := updateScript.Run(ctx, s.client, []string{key}, args...).Int()
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
	defer s.written(key)
	return s.writeAnnounced(ctx, "DEL", key, func(c redis.Cmdable) { c.Del(ctx, key) })
}

// unlockScript deletes the lock only if it still holds our token, so a
// holder whose lock expired cannot release the next holder's lock.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock implements Store with SET NX PX and a random token.
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
		ok, err := s.client.SetNX(cctx, name, token, ttl).Result()
		if err != nil {
			return false, unavailable("SET NX", err)
		}
		return ok, nil
	})
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// A detached context: the request may already be cancelled, and
			// leaving the lock to expire would stall the next refresh.
			cctx, cancel := s.ctx(context.Background())
			defer cancel()
			_ = unlockScript.Run(cctx, s.client, []string{name}, token).Err()
		})
	}, nil
}

// Ping implements Store.
func (s *RedisStore) Ping(ctx context.Context) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return unavailable("PING", err)
	}
	return nil
}

// Close implements Store. It ends the invalidation subscription first.
func (s *RedisStore) Close() error {
	if s.sub != nil {
		s.sub.close()
	}
	return s.client.Close()
}
