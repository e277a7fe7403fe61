package devorg

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// authCode is an issued authorization code (single use, CodeLifetime).
type authCode struct {
	clientID      string
	redirectURI   string
	userID        string
	scopes        []string
	challenge     string
	method        string
	nonce         string
	expires       time.Time
	used          bool
	issuedAccess  []string // for Assumptions.CodeReuseRevokesTokens
	issuedRefresh string
}

// accessToken is an OAuth access token (a session id). It expires SessionTimeout after
// issue; the timeout is read when the token is checked, so SetSessionTimeout also
// shortens tokens already out.
type accessToken struct {
	value     string
	clientID  string
	userID    string
	scopes    []string
	issued    time.Time
	refreshID string // refresh token it came from (revoking that kills this)
}

type refreshToken struct {
	value    string
	clientID string
	userID   string
	scopes   []string
	issued   time.Time
	lastUsed time.Time
	nonce    string
}

// browserSession is the org's UI session behind the sid cookie.
type browserSession struct {
	userID string
	issued time.Time
	// bridged marks a session opened from an access token (frontdoor otp or sid);
	// scopes are then that token's scopes. A sign-in on the org's own pages has all.
	bridged bool
	scopes  []string
}

// oneTimePass is the otp of a frontdoor URL.
type oneTimePass struct {
	userID   string
	scopes   []string // of the access token that minted it
	cshc     string
	startURL string
	expires  time.Time
}

const sidCookie = "sid"

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("devorg: crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	return b
}

// newSessionID shapes a session id like Salesforce's: the 15-character org id, '!', and
// an opaque part that contains '.' and '_' (clients must URL-encode it).
func (o *Org) newSessionID() string {
	s := base64.RawURLEncoding.EncodeToString(randomBytes(72))
	return o.cfg.OrgID[:15] + "!AQ" + strings.ReplaceAll(s, "-", ".")
}

// newCode is opaque standard base64 with padding: it contains '+', '/' and '=', so a
// client that decodes the redirect wrongly breaks (1.2).
func newCode() string {
	return "aPrx" + base64.StdEncoding.EncodeToString(randomBytes(43))
}

func newRefreshValue() string {
	return "5Aep861" + base64.RawURLEncoding.EncodeToString(randomBytes(48))
}

func newOTP() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// --- access tokens and sessions (callers hold no lock) ---

func (o *Org) issueAccess(clientID, userID string, scopes []string, refreshID string) *accessToken {
	t := &accessToken{value: o.newSessionID(), clientID: clientID, userID: userID, scopes: scopes, issued: o.now(), refreshID: refreshID}
	o.mu.Lock()
	o.access[t.value] = t
	o.mu.Unlock()
	return t
}

// validAccess returns the live access token, or nil when unknown, revoked or timed out.
func (o *Org) validAccess(value string) *accessToken {
	if value == "" {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.access[value]
	if t == nil {
		return nil
	}
	if !o.now().Before(t.issued.Add(o.sessionTimeout)) {
		delete(o.access, value)
		return nil
	}
	if u := o.usersByID[t.userID]; u == nil || !u.Active {
		return nil
	}
	return t
}

func (o *Org) expiry(t *accessToken) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return t.issued.Add(o.sessionTimeout)
}

func (o *Org) issueRefresh(clientID, userID string, scopes []string, nonce string) *refreshToken {
	now := o.now()
	t := &refreshToken{value: newRefreshValue(), clientID: clientID, userID: userID, scopes: scopes, issued: now, lastUsed: now, nonce: nonce}
	o.mu.Lock()
	o.refresh[t.value] = t
	o.mu.Unlock()
	return t
}

// validRefresh returns the live refresh token, applying the app's idle-TTL policy.
func (o *Org) validRefresh(value string) *refreshToken {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.refresh[value]
	if t == nil {
		return nil
	}
	if a := o.apps[t.clientID]; a != nil && a.RefreshTokenIdleTTL > 0 && !o.now().Before(t.lastUsed.Add(a.RefreshTokenIdleTTL)) {
		delete(o.refresh, value)
		return nil
	}
	return t
}

// revokeRefresh deletes a refresh token and every access token issued from it.
func (o *Org) revokeRefreshLocked(value string) {
	delete(o.refresh, value)
	for k, a := range o.access {
		if a.refreshID == value {
			delete(o.access, k)
		}
	}
}

// newBrowserSession opens an org UI session. scopes are those of the access token it
// was bridged from (nil for a sign-in on the org's own pages).
func (o *Org) newBrowserSession(w http.ResponseWriter, userID string, bridged bool, scopes []string) {
	sid := o.newSessionID()
	o.mu.Lock()
	o.sessions[sid] = &browserSession{userID: userID, issued: o.now(), bridged: bridged, scopes: scopes}
	o.mu.Unlock()
	// Secure + SameSite=None so the session works inside a third-party iframe (docs/salesforce.md §2.1, §3.6);
	// browsers accept Secure cookies from http://127.0.0.1 and localhost.
	http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: sid, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
}

// sessionUser returns the user of the request's org browser session, if live.
func (o *Org) sessionUser(r *http.Request) *User {
	u, _ := o.browserSession(r)
	return u
}

// browserSession returns the live session of the request and its user.
func (o *Org) browserSession(r *http.Request) (*User, *browserSession) {
	c, err := r.Cookie(sidCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sessions[c.Value]
	if s == nil {
		return nil, nil
	}
	if !o.now().Before(s.issued.Add(o.sessionTimeout)) {
		delete(o.sessions, c.Value)
		return nil, nil
	}
	u := o.usersByID[s.userID]
	if u == nil || !u.Active {
		return nil, nil
	}
	return u, s
}

func (o *Org) endSession(r *http.Request) {
	if c, err := r.Cookie(sidCookie); err == nil {
		o.mu.Lock()
		delete(o.sessions, c.Value)
		o.mu.Unlock()
	}
}

func hasScope(scopes []string, want ...string) bool {
	for _, s := range scopes {
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}
