//go:build unix

package session

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisLocalCacheWhenRedisHangs(t *testing.T) {
	ctx := context.Background()
	addr, _ := ownRedisServer(t)
	const prefix = "logateway-cache-test:"
	b, bGets := cachedStore(t, addr, prefix, 10*time.Second)
	admin := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer admin.Close()
	id := testID(t)
	if err := b.Put(ctx, id, sampleRecord(1), time.Minute); err != nil {
		t.Fatal(err)
	}
	warmCache(t, b, bGets, id)

	pid := redisPid(t, admin)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP redis-server (pid %d): %v", pid, err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	// A hung server keeps its sockets open: only the unanswered PINGs
	// tell, so the cache may serve for up to cacheLease, never longer.
	start := time.Now()
	for b.cache.usable() {
		if time.Since(start) > cacheLease+100*time.Millisecond {
			t.Fatalf("the cache was still trusted %v after Redis hung, want at most the %v lease", time.Since(start), cacheLease)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the cache stopped being trusted %v after Redis hung", time.Since(start))
	if _, err := b.Get(ctx, id); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get with Redis hung: want ErrUnavailable, got %v", err)
	}
	_ = syscall.Kill(pid, syscall.SIGCONT)
	resumed = true
	waitLive(t, b, 3*time.Second)
}

// redisPid asks the server its own process id (INFO server).
func redisPid(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatalf("INFO server: %v", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			if pid, err := strconv.Atoi(v); err == nil && pid > 1 {
				return pid
			}
		}
	}
	t.Fatalf("INFO server names no process_id: %.200s", info)
	return 0
}
