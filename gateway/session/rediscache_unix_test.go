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

	"github.com/logateway/logateway/internal/redistest"
)

func TestRedisLocalCacheWhenRedisHangs(t *testing.T) {
	ctx := context.Background()
	_, b, bGets, admin, id := cachedOnOwnServer(t)
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
	// A hung server keeps its sockets open: only the unanswered PING
	// tells (rueidis PINGs a connection that heard nothing for a whole
	// pingGap, so within two, and closes it when no answer comes within
	// the read timeout, cache and all). Redis
	// cannot change while it hangs, so what the cache serves meanwhile is
	// what Redis holds.
	bound := 2*pingGap + 300*time.Millisecond + 400*time.Millisecond
	took := pollGet(t, bound, "ErrUnavailable while Redis hangs", func() (*Record, error) { return b.Get(ctx, id) },
		func(_ *Record, err error) bool { return errors.Is(err, ErrUnavailable) })
	t.Logf("a Get answered ErrUnavailable %v after Redis hung (the cache was trusted at most %v)", took, bound)
	if _, err := b.Get(ctx, id); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get with Redis hung: want ErrUnavailable, got %v", err)
	}
	_ = syscall.Kill(pid, syscall.SIGCONT)
	resumed = true
	pollGet(t, 3*time.Second, "the record after Redis resumed", func() (*Record, error) { return b.Get(ctx, id) },
		func(_ *Record, err error) bool { return err == nil })
}

// redisPid asks the server its own process id (INFO server).
func redisPid(t *testing.T, c *redistest.Admin) int {
	t.Helper()
	info, err := c.Do("INFO", "server").ToString()
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
