package session

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Local cache of Redis records (RedisOptions.LocalCacheTTL > 0).
//
// Why it is safe to serve a record without asking Redis:
//   - Every write (Put, Update, Delete) publishes the record's key name on
//     <prefix>inval in the same atomic step as the write (MULTI or the Lua
//     script), so a write that reached Redis always reaches the channel. The
//     writing replica also evicts its own entry before returning.
//   - The cache is used only while this replica's subscription is confirmed
//     live: subscribed, and heard from Redis (a message or a PONG) within
//     cacheLease. A dropped or silent connection bypasses the cache at once
//     (every Get goes to Redis) and the cache is flushed before it is used
//     again, so an invalidation missed while disconnected cannot be served.
//     A Redis that is down closes the connection (bypass immediately); a hung
//     one stops answering PINGs and is bypassed within cacheLease.
//   - A fill races an invalidation (GET returns v1, v2 is written and
//     published, then v1 would be stored): each key's stripe carries a
//     generation bumped by every eviction; a fill stores only if the
//     generation it read before its GET is unchanged.
//   - Entries hold the sealed blob, not the record: a heap dump gives up no
//     more than a Redis dump (doc.go), and each Get returns a fresh copy.
//
// Entries live at most the TTL; the Manager still checks idle and absolute
// deadlines on every Load, so a record Redis expired is not used either.

const (
	// cacheMaxEntries bounds the memory: a blob is about 300-600 bytes.
	cacheMaxEntries = 65536
	// cachePing is how often an idle subscription PINGs; cacheLease is how
	// long the cache is trusted after the last word from Redis.
	cachePing  = 100 * time.Millisecond
	cacheLease = 350 * time.Millisecond
	// cacheStripes spreads fill generations so an eviction of one key rarely
	// blocks the fill of another.
	cacheStripes = 256
)

type cacheEntry struct {
	blob    []byte
	expires int64 // nanoseconds on the cache's monotonic clock
}

type recordCache struct {
	ttl   time.Duration
	max   int
	start time.Time // monotonic base for expires and heard

	live  atomic.Bool  // the subscription is confirmed (subscribe reply seen)
	heard atomic.Int64 // last word from Redis on the subscription, on the cache clock
	lives atomic.Int64 // confirmed subscriptions so far (tests watch it)

	mu  sync.RWMutex
	m   map[string]cacheEntry
	gen [cacheStripes]uint64
}

func newRecordCache(ttl time.Duration, maxEntries int) *recordCache {
	return &recordCache{ttl: ttl, max: maxEntries, start: time.Now(), m: make(map[string]cacheEntry, 1024)}
}

func (c *recordCache) now() int64 { return int64(time.Since(c.start)) }

// usable: the subscription is live and Redis answered it recently.
func (c *recordCache) usable() bool {
	return c.live.Load() && c.now()-c.heard.Load() < int64(cacheLease)
}

func stripe(key string) int {
	// FNV-1a over the key name (itself a hash, so a few bytes suffice).
	h := uint32(2166136261)
	for i := len(key) - 8; i < len(key); i++ {
		if i >= 0 {
			h = (h ^ uint32(key[i])) * 16777619
		}
	}
	return int(h % cacheStripes)
}

// get returns the cached blob and, on a miss, the generation to pass to fill.
func (c *recordCache) get(key string) (blob []byte, gen uint64, ok bool) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[key]
	gen = c.gen[stripe(key)]
	c.mu.RUnlock()
	if ok && now < e.expires {
		return e.blob, gen, true
	}
	return nil, gen, false
}

// fill stores blob unless key was evicted (or the cache flushed) since gen
// was read, or the subscription is not live.
// The entry lives the cache's TTL, or less when Redis keeps the key for
// less (left).
func (c *recordCache) fill(key string, blob []byte, gen uint64, left time.Duration) {
	if !c.usable() {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen[stripe(key)] != gen || !c.live.Load() {
		return
	}
	if _, present := c.m[key]; !present && len(c.m) >= c.max {
		c.shrink(now)
	}
	c.m[key] = cacheEntry{blob: blob, expires: now + int64(min(c.ttl, left))}
}

// shrink drops expired entries, then (still full) about an eighth of the
// rest, in map order, which is random enough for a cache of short-lived
// entries. Caller holds mu.
func (c *recordCache) shrink(now int64) {
	for k, e := range c.m {
		if now >= e.expires {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.max-c.max/8 {
			break
		}
		delete(c.m, k)
	}
}

func (c *recordCache) evict(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen[stripe(key)]++
	c.mu.Unlock()
}

// flush empties the cache and fails every fill in flight.
func (c *recordCache) flush() {
	c.mu.Lock()
	clear(c.m)
	for i := range c.gen {
		c.gen[i]++
	}
	c.mu.Unlock()
}

func (c *recordCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// goDown stops serving from the cache until the next confirmed subscription.
func (c *recordCache) goDown() {
	c.live.Store(false)
	c.flush()
}

// goLive flushes (anything cached before may have missed an invalidation)
// and then trusts the cache again.
func (c *recordCache) goLive() {
	c.flush()
	c.heard.Store(c.now())
	c.live.Store(true)
	c.lives.Add(1)
}

// subscriber keeps one subscription to <prefix>inval and evicts each key
// name it receives. It owns the PubSub; Close ends it.
type subscriber struct {
	client  redis.UniversalClient
	channel string
	cache   *recordCache

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	ps     *redis.PubSub // the current subscription, for Close and tests
}

func startSubscriber(client redis.UniversalClient, channel string, cache *recordCache) *subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscriber{client: client, channel: channel, cache: cache, cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	return s
}

func (s *subscriber) run(ctx context.Context) {
	defer close(s.done)
	backoff := 20 * time.Millisecond
	for ctx.Err() == nil {
		ps := s.client.Subscribe(ctx, s.channel)
		s.mu.Lock()
		s.ps = ps
		s.mu.Unlock()
		if s.receive(ctx, ps) {
			backoff = 20 * time.Millisecond // it was live: retry promptly
		}
		s.cache.goDown()
		_ = ps.Close()
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
	s.cache.goDown()
}

// receive reads the subscription until it fails or goes silent for
// cacheLease; it reports whether it was ever confirmed live.
func (s *subscriber) receive(ctx context.Context, ps *redis.PubSub) (wasLive bool) {
	heard := s.cache.now()
	pinged := false
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, cachePing)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return wasLive // closed, reset, EOF: go-redis would resubscribe; we do it ourselves
			}
			if s.cache.now()-heard >= int64(cacheLease) {
				return wasLive // silent: a hung Redis, or a half-open connection
			}
			if !pinged {
				if err := ps.Ping(ctx); err != nil {
					return wasLive
				}
				pinged = true
			}
			continue
		}
		heard = s.cache.now()
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == s.channel {
				s.cache.goLive()
				wasLive = true
			}
		case *redis.Message:
			s.cache.evict(m.Payload)
		case *redis.Pong:
		}
		if wasLive {
			s.cache.heard.Store(heard)
		}
	}
	return wasLive
}

// dropConnection closes the current subscription's connection, as a network
// failure would (tests).
func (s *subscriber) dropConnection() {
	s.mu.Lock()
	ps := s.ps
	s.mu.Unlock()
	if ps != nil {
		_ = ps.Close()
	}
}

func (s *subscriber) close() {
	s.cancel()
	s.dropConnection()
	<-s.done
}
