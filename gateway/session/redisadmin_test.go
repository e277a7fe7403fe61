package session

import (
	"context"
	"time"

	"github.com/redis/rueidis"

	"github.com/logateway/logateway/internal/redistest"
)

// Helpers for tests that start, stop and inspect redis-server processes of
// their own. They dial once and never retry: a server that is down is an
// answer here.

func pingAddr(addr string) error {
	c, err := redistest.Dial(addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	return c.Do(ctx, c.B().Ping().Build()).Error()
}

// shutdownRedis stops the server at addr without saving; the reply is a
// closed connection.
func shutdownRedis(addr string) {
	c, err := redistest.Dial(addr, 500*time.Millisecond)
	if err != nil {
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_ = c.Do(ctx, c.B().Arbitrary("SHUTDOWN", "NOSAVE").Build()).Error()
}

// pttl is what Redis holds as the record's remaining lifetime, asked through
// the store's own client so a cluster routes it to the right node.
func (s *RedisStore) pttl(ctx context.Context, id string) (time.Duration, error) {
	ms, err := s.do(ctx, "pttl", func(b rueidis.Builder) rueidis.Completed { return b.Pttl().Key(s.recordKey(id)).Build() }).AsInt64()
	return time.Duration(ms) * time.Millisecond, err
}
