package auth

import (
	"context"
	"errors"
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
	ok, refused := raceRedeems(t, 16, func(i int) *Handoffs { return replicas[i%2] }, code)
	if ok != 1 || refused != 15 {
		t.Errorf("want exactly one of 16 redeems racing on two replicas to succeed, got %d ok and %d refused", ok, refused)
	}
	code2 := mint(t, replicas[0], partner, popupState)
	if rec, err := replicas[1].Redeem(context.Background(), code2, partner, popupState); err != nil || rec.Tokens.RefreshToken != "refresh" {
		t.Errorf("want a code minted on one replica redeemed on the other with its tokens, got %v", err)
	}
}
