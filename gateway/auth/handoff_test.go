package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logateway/logateway/gateway/session"
)

const (
	partner    = "https://partner.example.org"
	gatewayOrg = "https://chat.example.com"
	popupState = "k3Jx9_popup-state-0123456789"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestHandoffs(t *testing.T, store session.Store, keys ...string) (*Handoffs, *clock) {
	t.Helper()
	if store == nil {
		store = session.NewMemoryStore(session.MemoryOptions{})
	}
	if len(keys) == 0 {
		keys = []string{"0123456789abcdef0123456789abcdef-one"}
	}
	var kb [][]byte
	for _, k := range keys {
		kb = append(kb, []byte(k))
	}
	h, err := NewHandoffs(store, kb)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	h.now = c.now
	return h, c
}

func aliceRecord() *session.Record {
	return &session.Record{Identity: session.Identity{UserID: "005alice", Name: "Alice"},
		Tokens: session.Tokens{AccessToken: "00Dxx!access", RefreshToken: "refresh", Flow: "web-server"}}
}

func mint(t *testing.T, h *Handoffs, origin, state string) string {
	t.Helper()
	code, err := h.Mint(context.Background(), aliceRecord(), origin, state)
	if err != nil {
		t.Fatalf("want a hand-off code, got %v", err)
	}
	return code
}

func TestHandoffCodeIsRedeemedOnceWithTheTokens(t *testing.T) {
	h, _ := newTestHandoffs(t, nil)
	code := mint(t, h, partner, popupState)
	if len(code) != 43 || strings.ContainsAny(code, "+/=") {
		t.Errorf("want a 43-character base64url code, got %d characters", len(code))
	}
	rec, err := h.Redeem(context.Background(), code, partner, popupState)
	if err != nil {
		t.Fatalf("want the first redeem to succeed, got %v", err)
	}
	if rec.Identity.UserID != "005alice" || rec.Tokens.RefreshToken != "refresh" {
		t.Errorf("want Alice's record and tokens back, got %+v", rec.Identity)
	}
	if _, err := h.Redeem(context.Background(), code, partner, popupState); !errors.Is(err, ErrHandoff) {
		t.Errorf("want a second redeem refused with ErrHandoff, got %v", err)
	}
}

func TestHandoffCodeIsBoundToTheOriginAndThePopupState(t *testing.T) {
	h, _ := newTestHandoffs(t, nil)
	code := mint(t, h, partner, popupState)
	refused := []struct{ name, origin, state string }{
		{"another origin", "https://evil.example.net", popupState},
		{"the gateway's own origin", gatewayOrg, popupState},
		{"the partner's origin over http", "http://partner.example.org", popupState},
		{"the partner's origin with a port", "https://partner.example.org:8443", popupState},
		{"another popup state", partner, "another-popup-state-0123456789"},
		{"no popup state", partner, ""},
		{"a popup state too short", partner, "short"},
	}
	for _, r := range refused {
		if _, err := h.Redeem(context.Background(), code, r.origin, r.state); !errors.Is(err, ErrHandoff) {
			t.Errorf("%s: want ErrHandoff, got %v", r.name, err)
		}
	}
	// A refused attempt does not burn the code for the page it was issued to.
	if _, err := h.Redeem(context.Background(), code, partner, popupState); err != nil {
		t.Errorf("want the code still good for its own origin and state after refused attempts, got %v", err)
	}
}

func TestHandoffCodeExpiresInUnderAMinute(t *testing.T) {
	if HandoffTTL >= time.Minute {
		t.Fatalf("want hand-off codes to live under a minute, HandoffTTL is %s", HandoffTTL)
	}
	h, c := newTestHandoffs(t, nil)
	fresh := mint(t, h, partner, popupState)
	stale := mint(t, h, partner, popupState)
	c.add(HandoffTTL - time.Second)
	if _, err := h.Redeem(context.Background(), fresh, partner, popupState); err != nil {
		t.Errorf("want a code redeemable just before HandoffTTL, got %v", err)
	}
	c.add(time.Second)
	if _, err := h.Redeem(context.Background(), stale, partner, popupState); !errors.Is(err, ErrHandoff) {
		t.Errorf("want a code refused at HandoffTTL (%s), got %v", HandoffTTL, err)
	}
}

func TestHandoffConcurrentRedeemsGiveOneSession(t *testing.T) {
	h, _ := newTestHandoffs(t, nil)
	code := mint(t, h, partner, popupState)
	ok, refused := raceRedeems(t, 32, func(int) *Handoffs { return h }, code)
	if ok != 1 || refused != 31 {
		t.Errorf("want exactly one of 32 racing redeems to succeed, got %d ok and %d refused", ok, refused)
	}
}

// raceRedeems redeems code n times at once, the i-th on on(i), and counts
// successes and ErrHandoff refusals; any other answer fails the test.
func raceRedeems(t *testing.T, n int, on func(i int) *Handoffs, code string) (ok, refused int32) {
	t.Helper()
	var okN, refusedN atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(h *Handoffs) {
			defer wg.Done()
			_, err := h.Redeem(context.Background(), code, partner, popupState)
			switch {
			case err == nil:
				okN.Add(1)
			case errors.Is(err, ErrHandoff):
				refusedN.Add(1)
			default:
				t.Errorf("want success or ErrHandoff, got %v", err)
			}
		}(on(i))
	}
	wg.Wait()
	return okN.Load(), refusedN.Load()
}

func TestHandoffRefusesMalformedInputAndSurvivesKeyRotation(t *testing.T) {
	store := session.NewMemoryStore(session.MemoryOptions{})
	old, _ := newTestHandoffs(t, store, "0123456789abcdef0123456789abcdef-old")
	code := mint(t, old, partner, popupState)
	for _, bad := range []string{"", "short", strings.Repeat("*", 43), code + "x"} {
		if _, err := old.Redeem(context.Background(), bad, partner, popupState); !errors.Is(err, ErrHandoff) {
			t.Errorf("code %q: want ErrHandoff, got %v", bad, err)
		}
	}
	if _, err := old.Mint(context.Background(), aliceRecord(), "", popupState); err == nil {
		t.Error("want Mint to refuse a hand-off without the opener's origin")
	}
	rotated, _ := newTestHandoffs(t, store, "0123456789abcdef0123456789abcdef-new", "0123456789abcdef0123456789abcdef-old")
	if _, err := rotated.Redeem(context.Background(), code, partner, popupState); err != nil {
		t.Errorf("want a code minted under the old key redeemed after rotation, got %v", err)
	}
}

// downStore fails every call, as a Redis that went away would.
type downStore struct{ session.Store }

func (downStore) Get(context.Context, string) (*session.Record, error) {
	return nil, session.ErrUnavailable
}
func (downStore) Lock(context.Context, string, time.Duration, time.Duration) (func(), error) {
	return func() {}, nil
}

func TestHandoffReportsAFailingStoreAsSuch(t *testing.T) {
	h, _ := newTestHandoffs(t, downStore{session.NewMemoryStore(session.MemoryOptions{})})
	code := mint(t, h, partner, popupState)
	_, err := h.Redeem(context.Background(), code, partner, popupState)
	if !errors.Is(err, session.ErrUnavailable) || errors.Is(err, ErrHandoff) {
		t.Errorf("want the store's ErrUnavailable (a 503, not a sign-out), got %v", err)
	}
}
