package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/rueidis"
)

// The Redis client (github.com/redis/rueidis): concurrent commands share one
// pipelined connection per server and are written together (auto-pipelining),
// and with the cache on, reads use Redis's server-assisted client-side caching
// (RESP3 CLIENT TRACKING, see redis.go).

// cacheBytes bounds the client-side cache of each connection: records are
// 300-600 bytes sealed, so this holds some 50,000 of them.
const cacheBytes = 32 << 20

// pingGap is how long a connection may be silent before rueidis PINGs it; a
// PING unanswered within the read timeout closes the connection, and with it
// the cache it held. It bounds how long a replica cut off from Redis (or a
// hung Redis) can go on answering from its cache: pingGap + the read timeout.
const pingGap = 250 * time.Millisecond

// clientOptions maps RedisOptions onto rueidis. One address is a standalone
// server (even if it is a cluster node: the go-redis UniversalClient rule the
// config documents), several a cluster; with MasterName they are Sentinels.
func clientOptions(opts RedisOptions) rueidis.ClientOption {
	dialer := net.Dialer{Timeout: opts.DialTimeout, KeepAlive: pingGap}
	co := rueidis.ClientOption{
		InitAddress:       opts.Addrs,
		Username:          opts.Username,
		Password:          opts.Password,
		SelectDB:          opts.DB,
		TLSConfig:         opts.TLS,
		Dialer:            dialer,
		ForceSingleClient: len(opts.Addrs) == 1 && opts.MasterName == "",
		// A reply not read within this closes the connection: the read
		// timeout of the old client, and the bound on a hung Redis.
		ConnWriteTimeout:  max(opts.ReadTimeout, opts.WriteTimeout),
		BlockingPoolSize:  opts.PoolSize,
		DisableCache:      opts.LocalCacheTTL <= 0,
		CacheSizeEachConn: cacheBytes,
		ClientSetInfo:     rueidis.DisableClientSetInfo,
		// rueidis retries only reads and the commands marked retryable:
		// the store marks its writes, which are all safe to run twice
		// (redis.go).
		RetryDelay: retryDelay,
	}
	if opts.MasterName != "" {
		co.Sentinel = rueidis.SentinelOption{MasterSet: opts.MasterName, Dialer: dialer, TLSConfig: opts.TLS}
	}
	return co
}

// retryDelay lets a command go once more after any connection error (a
// timeout included; more would multiply the time a visitor waits for a 503
// from a hung Redis), and again while the error says the server had closed
// the connection: after a restart each of the client's connections is dead
// until a command meets it (rueidis spreads commands over up to four at
// random), and such a command fails at once, without waiting.
func retryDelay(attempts int, _ rueidis.Completed, err error) time.Duration {
	if attempts <= 1 || attempts <= 1<<2 && closedByServer(err) {
		return 0
	}
	return -1
}

// closedByServer reports whether err is a connection found closed by the
// other end (or closed on finding so), not a timeout or a refused dial.
func closedByServer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// lazyClient builds the rueidis client on first use. rueidis connects while
// it builds a Sentinel or Cluster client and fails when it cannot, but a
// gateway must start while Redis is down and recover when it comes up, so a
// failed build is retried by a later command (at most one build at a time,
// and none within retryGap of a failure: a dead Redis answers fast).
type lazyClient struct {
	opt rueidis.ClientOption

	// client is the client once built, until close: every command reads it
	// without taking mu (one lock per request was a hot spot at 512
	// connections); mu orders building and closing it.
	client atomic.Pointer[rueidis.Client]

	mu      sync.Mutex
	err     error
	failed  time.Time
	closed  bool
	cacheOn atomic.Bool // false when off, or the server refused CLIENT TRACKING
}

const retryGap = 100 * time.Millisecond

var errClosed = errors.New("store closed")

func (l *lazyClient) get() (rueidis.Client, error) {
	if c := l.client.Load(); c != nil {
		return *c, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.client.Load(); c != nil { // built while this call waited for mu
		return *c, nil
	}
	switch {
	case l.closed:
		return nil, errClosed
	case l.err != nil && time.Since(l.failed) < retryGap:
		return nil, l.err
	}
	c, err := rueidis.NewClient(l.opt)
	if errors.Is(err, rueidis.ErrNoCache) && !l.opt.DisableCache {
		// Redis before 6, or a proxy without RESP3: no server-assisted
		// cache, so no cache at all rather than one nobody invalidates.
		if c != nil {
			c.Close()
		}
		l.opt.DisableCache = true
		c, err = rueidis.NewClient(l.opt)
	}
	if c == nil {
		l.err, l.failed = err, time.Now()
		return nil, err
	}
	// A standalone client is returned even when its first dial failed; it
	// dials again by itself on the next command.
	l.err = nil
	l.cacheOn.Store(!l.opt.DisableCache)
	l.client.Store(&c)
	return c, nil
}

func (l *lazyClient) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if c := l.client.Swap(nil); c != nil {
		(*c).Close()
	}
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%w: redis %s: %w", ErrUnavailable, op, err)
}

// observe tells the hooks of a command that was sent.
func (s *RedisStore) observe(ctx context.Context, name string, start time.Time, err error) {
	failed := err != nil && !rueidis.IsRedisNil(err)
	for _, h := range s.hooks {
		h.Command(ctx, name, start, failed)
	}
}

// do sends one command built by build and reports it to the hooks.
func (s *RedisStore) do(ctx context.Context, name string, build func(rueidis.Builder) rueidis.Completed) rueidis.RedisResult {
	c, err := s.client.get()
	if err != nil {
		return rueidis.NewErrorResult(err)
	}
	start := time.Now()
	r := c.Do(ctx, build(c.B()))
	s.observe(ctx, name, start, r.Error())
	return r
}

// doCached reads through the client-side cache: a hit sends nothing and is
// not reported; a miss sends CLIENT CACHING YES, PTTL and GET together and
// is reported as "get".
func (s *RedisStore) doCached(ctx context.Context, key string) rueidis.RedisResult {
	c, err := s.client.get()
	if err != nil {
		return rueidis.NewErrorResult(err)
	}
	start := time.Now()
	r := c.DoCache(ctx, c.B().Get().Key(key).Cache(), s.cacheTTL)
	if !r.IsCacheHit() {
		s.observe(ctx, "get", start, r.Error())
	}
	return r
}

// exec runs a Lua script (EVALSHA, and EVAL once if the server does not know
// it yet: a new or restarted Redis) and reports it to the hooks.
func (s *RedisStore) exec(ctx context.Context, script *rueidis.Lua, key string, args ...string) rueidis.RedisResult {
	c, err := s.client.get()
	if err != nil {
		return rueidis.NewErrorResult(err)
	}
	start := time.Now()
	r := script.Exec(ctx, c, []string{key}, args)
	s.observe(ctx, "evalsha", start, r.Error())
	return r
}

// aboutToWrite marks key as written by this store, with the cache on. Redis
// tells this connection of its own writes too, but not before the write's
// reply (Redis 7 sends it after the reply, and after replies pipelined behind
// it), so for ownWriteWindow this store's Gets of key read Redis instead of a
// cache that may not have heard yet: this replica never serves its own old
// record. Other replicas learn of the write as of any other (doc.go).
func (s *RedisStore) aboutToWrite(key string) {
	if s.cacheTTL > 0 {
		s.written.mark(key, time.Now().Add(ownWriteWindow))
	}
}

// ownWriteWindow is how long Gets of a key this store wrote bypass its cache.
// Redis has pushed the invalidation long before: it follows the write's reply
// on the same connection.
const ownWriteWindow = time.Second

// writtenKeys remembers the keys this store wrote in the last ownWriteWindow.
type writtenKeys struct {
	mu sync.RWMutex
	m  map[string]time.Time
}

func (w *writtenKeys) mark(key string, until time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[string]time.Time)
	}
	if len(w.m) >= 1024 {
		now := time.Now()
		for k, t := range w.m {
			if now.After(t) {
				delete(w.m, k)
			}
		}
	}
	w.m[key] = until
}

// recent reports whether key was written within the window.
func (w *writtenKeys) recent(key string) bool {
	w.mu.RLock()
	until, ok := w.m[key]
	w.mu.RUnlock()
	return ok && time.Now().Before(until)
}
