package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/logateway/logateway/gateway/session"
)

// A popup sign-in ends in the gateway's own top-level window, so a cookie it
// set would land in the gateway's first-party cookie jar (or, with CHIPS, the
// gateway's own partition), where a frame under a partner's top-level site
// never sees it. Instead the popup hands the page that opened it a hand-off
// code, and that page redeems it with a POST whose answer sets the session
// cookie in the page's own partition.
//
// A code is 256 random bits and is worth nothing alone: the store id of the
// pending record is an HMAC over the code, the exact origin the popup posted
// it to, and the popup state only the opener knows. A redeem from another
// origin, or without the state, looks up a different id and finds nothing.
// Codes live HandoffTTL and work once, across replicas (the session store's
// lock, then delete).

// HandoffTTL is how long a hand-off code can be redeemed.
const HandoffTTL = 45 * time.Second

// ErrHandoff: the code is unknown, expired, already redeemed, or not bound to
// this origin and popup state. The visitor signs in again.
var ErrHandoff = errors.New("sign-in hand-off code is unknown, expired, already used, or was not issued to this page")

const (
	handoffCodeLen  = 32 // random bytes; 43 characters base64url
	minPopupState   = 16 // characters of the opener's random state
	maxPopupState   = 128
	handoffLockPref = "handoff:"
)

// Handoffs mints and redeems hand-off codes in the session store.
type Handoffs struct {
	store session.Store
	keys  [][]byte // first mints, all redeem (rotation)
	ttl   time.Duration
	now   func() time.Time
}

// NewHandoffs derives the binding keys from the session keys.
func NewHandoffs(store session.Store, sessionKeys [][]byte) (*Handoffs, error) {
	if store == nil || len(sessionKeys) == 0 {
		return nil, errors.New("auth: hand-offs need the session store and keys")
	}
	h := &Handoffs{store: store, ttl: HandoffTTL, now: time.Now}
	for _, k := range sessionKeys {
		dk, err := hkdf.Key(sha256.New, k, nil, "logateway/signin-handoff/v1", 32)
		if err != nil {
			return nil, err
		}
		h.keys = append(h.keys, dk)
	}
	return h, nil
}

// ValidPopupState reports whether s can be an opener's popup state: 16 to 128
// characters of base64url. It never reaches a log or a page.
func ValidPopupState(s string) bool {
	if len(s) < minPopupState || len(s) > maxPopupState {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Mint stores rec for the opener at origin that holds popupState and returns
// the code the popup posts to it.
func (h *Handoffs) Mint(ctx context.Context, rec *session.Record, origin, popupState string) (string, error) {
	if origin == "" || !ValidPopupState(popupState) {
		return "", errors.New("auth: a hand-off needs the opener's origin and popup state")
	}
	raw := make([]byte, handoffCodeLen)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("auth: reading a random hand-off code: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(raw)
	cp := *rec
	cp.LastSeen = h.now()
	if err := h.store.Put(ctx, h.id(h.keys[0], code, origin, popupState), &cp, h.ttl); err != nil {
		return "", err
	}
	return code, nil
}

// Redeem takes the record a code stands for, once. ErrHandoff for anything the
// visitor cannot fix but by signing in again; other errors are the store's.
func (h *Handoffs) Redeem(ctx context.Context, code, origin, popupState string) (*session.Record, error) {
	if len(code) != base64.RawURLEncoding.EncodedLen(handoffCodeLen) || origin == "" || !ValidPopupState(popupState) {
		return nil, ErrHandoff
	}
	if _, err := base64.RawURLEncoding.DecodeString(code); err != nil {
		return nil, ErrHandoff
	}
	for _, k := range h.keys {
		id := h.id(k, code, origin, popupState)
		rec, err := h.take(ctx, id)
		if errors.Is(err, session.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if h.now().Sub(rec.LastSeen) >= h.ttl {
			return nil, ErrHandoff
		}
		return rec, nil
	}
	return nil, ErrHandoff
}

// take reads and deletes the record under id while holding its lock, so two
// redeems racing on two replicas cannot both get it.
func (h *Handoffs) take(ctx context.Context, id string) (*session.Record, error) {
	sum := sha256.Sum256([]byte(id)) // the id is a store secret; the lock key is not
	unlock, err := h.store.Lock(ctx, handoffLockPref+base64.RawURLEncoding.EncodeToString(sum[:16]), h.ttl, 0)
	if errors.Is(err, session.ErrLockTimeout) {
		return nil, ErrHandoff // another redeem holds it: this one is the second use
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, err := h.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := h.store.Delete(ctx, id); err != nil {
		return nil, err
	}
	return rec, nil
}

func (h *Handoffs) id(key []byte, code, origin, popupState string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{code, origin, popupState} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
