package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/redistest"
)

// Two replicas on one Redis: a code minted on one is redeemed on the other,
// and redeems racing on both replicas give exactly one session.
func TestHandoffAcrossReplicasOnRedisIsSingleUse(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
	var replicas [2]*Handoffs
	for i := range replicas {
		st, err := session.NewRedisStore(session.RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		replicas[i], _ = newTestHandoffs(t, st)
	}
	code := mint(t, replicas[0], partner, popupState)
	if _, err := replicas[1].Redeem(context.Background(), "x"+code[1:], partner, popupState); !errors.Is(err, ErrHandoff) {
		t.Fatalf("control: want a code that differs in one character refused, got %v", err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(h *Handoffs) {
			defer wg.Done()
			_, err := h.Redeem(context.Background(), code, partner, popupState)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrHandoff):
				refused.Add(1)
			default:
				t.Errorf("want success or ErrHandoff, got %v", err)
			}
		}(replicas[i%2])
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 15 {
		t.Errorf("want exactly one of 16 redeems racing on two replicas to succeed, got %d ok and %d refused", ok.Load(), refused.Load())
	}
	code2 := mint(t, replicas[0], partner, popupState)
	if rec, err := replicas[1].Redeem(context.Background(), code2, partner, popupState); err != nil || rec.Tokens.RefreshToken != "refresh" {
		t.Errorf("want a code minted on one replica redeemed on the other with its tokens, got %v", err)
	}
}
