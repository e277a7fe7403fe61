package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
)

// Tokens keeps a session's access token usable: it renews it shortly before the
// known expiry, or at once when the org says the token is bad, and makes sure only
// one renewal per session runs at a time — across replicas too, through the
// store's lock — so a refresh token is never redeemed twice. Requests that wait
// for the lock reuse the winner's result.
type Tokens struct {
	Signin   Signin
	Sessions *session.Manager
	Margin   time.Duration // renew this long before ExpiresAt
	LockTTL  time.Duration // how long a renewal may hold the lock
	LockWait time.Duration // how long a request waits for another's renewal
	Retries  int           // transient failures retried this many times
	Backoff  time.Duration // first retry delay, doubled each time
	// OnRenew is told of each renewal's outcome ("refresh_ok", "refresh_failed", "refresh_ended"),
	// and of a save retried after a store outage ("refresh_saved_late", "refresh_lost").
	OnRenew func(event string)
	// SaveRetry is how often renewed tokens the store refused are saved again
	// (default 250ms), for up to LockTTL.
	SaveRetry time.Duration
	Now       func() time.Time
}

// Valid returns a usable access token for s. With force (the org just answered
// Bad_OAuth_Token for staleToken) it renews unless another request already did.
// Errors: ErrSessionEnded (sign in again), *OrgError (org failing: 503),
// session.ErrUnavailable (store failing: 503).
func (t *Tokens) Valid(ctx context.Context, s *session.Session, force bool, staleToken string) (session.Tokens, error) {
	now := t.now()
	cur := s.Record.Tokens
	if !force && !t.expiring(cur, now) {
		return cur, nil
	}
	unlock, err := t.Sessions.Store().Lock(ctx, "renew:"+s.ID, t.LockTTL, t.LockWait)
	if err != nil {
		if errors.Is(err, session.ErrLockTimeout) {
			return session.Tokens{}, &OrgError{Op: "token renewal", Err: errors.New("another request's renewal did not finish in time")}
		}
		return session.Tokens{}, err
	}
	keepLock := false
	defer func() {
		if !keepLock {
			unlock()
		}
	}()

	// Another request (maybe on another replica) may have renewed while we waited.
	if err := t.Sessions.Reload(ctx, s); err != nil {
		if errors.Is(err, session.ErrNotFound) || errors.Is(err, session.ErrNoSession) {
			return session.Tokens{}, ErrSessionEnded
		}
		return session.Tokens{}, err
	}
	rec := s.Record
	latest := rec.Tokens
	if force {
		if latest.AccessToken != staleToken && !t.expiring(latest, t.now()) {
			return latest, nil
		}
	} else if !t.expiring(latest, t.now()) {
		return latest, nil
	}

	renewed, err := t.renew(ctx, rec)
	if err != nil {
		if errors.Is(err, ErrSessionEnded) {
			t.event("refresh_ended")
			_ = t.Sessions.Destroy(ctx, discard{}, s)
		} else {
			t.event("refresh_failed")
		}
		return session.Tokens{}, err
	}
	t.event("refresh_ok")
	rec.Tokens = renewed
	if err := t.Sessions.Save(ctx, s); err != nil {
		if errors.Is(err, session.ErrUnavailable) {
			// The org has spent the old refresh token (with rotation it is now
			// dead), so losing the new one to a store outage would sign the
			// visitor out. This request answers 503 at once; the lock stays
			// held (other replicas wait instead of spending the dead token)
			// while the save is retried in the background.
			keepLock = true
			go t.saveLater(s, unlock)
		}
		return session.Tokens{}, err
	}
	return renewed, nil
}

// saveLater retries saving renewed tokens after the store failed, for as long
// as the renewal lock lasts, then releases the lock.
func (t *Tokens) saveLater(s *session.Session, unlock func()) {
	defer unlock()
	cp := *s
	rec := *s.Record
	cp.Record = &rec
	retry := t.SaveRetry
	if retry <= 0 {
		retry = 250 * time.Millisecond
	}
	for deadline := time.Now().Add(t.LockTTL - retry); time.Now().Before(deadline); {
		time.Sleep(retry)
		switch err := t.Sessions.Save(context.Background(), &cp); {
		case err == nil:
			t.event("refresh_saved_late")
			return
		case !errors.Is(err, session.ErrUnavailable):
			t.event("refresh_lost") // signed out meanwhile, or the record expired
			return
		}
	}
	t.event("refresh_lost")
}

func (t *Tokens) renew(ctx context.Context, rec *session.Record) (session.Tokens, error) {
	delay := t.Backoff
	var last error
	for attempt := 0; attempt <= t.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return session.Tokens{}, &OrgError{Op: "token renewal", Err: ctx.Err()}
			}
			delay *= 2
		}
		tok, err := t.Signin.Renew(ctx, rec)
		if err == nil {
			return tok, nil
		}
		if errors.Is(err, ErrSessionEnded) || salesforce.IsInvalidGrant(err) {
			if !errors.Is(err, ErrSessionEnded) {
				err = fmt.Errorf("%w (%v)", ErrSessionEnded, err)
			}
			return session.Tokens{}, err
		}
		last = err
		if !salesforce.IsTransient(err) {
			break
		}
	}
	var oe *OrgError
	if errors.As(last, &oe) {
		return session.Tokens{}, last
	}
	return session.Tokens{}, &OrgError{Op: "token renewal", Err: last}
}

func (t *Tokens) expiring(tok session.Tokens, now time.Time) bool {
	if tok.AccessToken == "" {
		return true
	}
	return !tok.ExpiresAt.IsZero() && now.Add(t.Margin).After(tok.ExpiresAt)
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tokens) event(name string) {
	if t.OnRenew != nil {
		t.OnRenew(name)
	}
}

// discard is a ResponseWriter for ending a session outside a response (the
// handler clears the visitor's cookie itself).
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
