package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
)

// Signin is one way to sign a visitor in and keep the org token usable.
type Signin interface {
	// AuthCodeURL is where the browser goes to sign in. extra carries passthrough
	// parameters (prompt, login_hint) already validated by the caller.
	AuthCodeURL(ctx context.Context, fs FlowState, extra map[string]string) (string, error)
	// Finish turns the callback's code into a session record.
	Finish(ctx context.Context, code string, fs FlowState) (*session.Record, error)
	// Renew gets a new access token for rec (refresh token or a new assertion).
	Renew(ctx context.Context, rec *session.Record) (session.Tokens, error)
	// Revoke ends the org side of the session at sign-out.
	Revoke(ctx context.Context, rec *session.Record) error
}

// NewFlowState makes fresh state, nonce and PKCE verifier.
func NewFlowState(redirect string, popup bool, opener string) FlowState {
	return FlowState{
		State:    randomString(24),
		Nonce:    randomString(24),
		Verifier: oauth2.GenerateVerifier(),
		Redirect: redirect,
		Popup:    popup,
		Opener:   opener,
		Created:  time.Now().Unix(),
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OrgError is a failure of the org (or IdP) that is not the visitor's fault:
// unreachable, 5xx, or an answer that names an admin setting to fix.
type OrgError struct {
	Op  string // what the gateway was doing, e.g. "code exchange"
	Err error
}

func (e *OrgError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *OrgError) Unwrap() error { return e.Err }

// ErrSessionEnded means the org no longer honours the session's grant (refresh
// token revoked or expired, user deactivated): the visitor must sign in again.
var ErrSessionEnded = errors.New("the org ended this session; sign in again")

// lazyProvider discovers an OIDC provider on first use and again after a failure,
// so a gateway can start while the org or IdP is briefly unreachable.
type lazyProvider struct {
	issuer string // where discovery is read (the org's login URL)
	// expect is the issuer the discovery document and id_tokens must name when it
	// differs from the discovery URL (org.issuer); "" = the discovery URL itself.
	expect string
	// setting names the config key that sets expect, for error messages.
	setting string
	client  *http.Client
	mu      sync.Mutex
	p       *oidc.Provider
}

// IssuerError is a discovery document that names another issuer than the one
// configured: a settings problem, not an outage, so it is never retried as one.
type IssuerError struct {
	DiscoveryURL, Want, Got, Setting string
}

func (e *IssuerError) Error() string {
	return fmt.Sprintf("OIDC discovery at %s names issuer %q, but %q was expected: set %s to %q (id_tokens are verified against that issuer)",
		e.DiscoveryURL, e.Got, e.Want, e.Setting, e.Got)
}

func (l *lazyProvider) get(ctx context.Context) (*oidc.Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p != nil {
		return l.p, nil
	}
	want := l.expect
	if want == "" {
		want = l.issuer
	}
	dctx := oidc.ClientContext(ctx, l.client)
	if want != l.issuer {
		dctx = oidc.InsecureIssuerURLContext(dctx, want) // checked against the document below
	}
	p, err := oidc.NewProvider(dctx, l.issuer)
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) {
		return nil, &IssuerError{DiscoveryURL: l.issuer, Want: want, Got: mismatch.Discovered, Setting: l.setting}
	}
	if err != nil {
		return nil, &OrgError{Op: "OIDC discovery at " + l.issuer, Err: err}
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := p.Claims(&doc); err == nil && doc.Issuer != want {
		return nil, &IssuerError{DiscoveryURL: l.issuer, Want: want, Got: doc.Issuer, Setting: l.setting}
	}
	l.p = p
	return p, nil
}

// WebServer is the web server flow: authorization code + PKCE against the org's ECA.
type WebServer struct {
	OAuth          oauth2.Config
	Org            *salesforce.Client
	HTTP           *http.Client
	SessionTimeout time.Duration
	PKCE           bool
	provider       *lazyProvider
}

// NewWebServer builds the flow for one site. loginURL is the host used for
// authorize and token (and the OIDC issuer discovered from it).
func NewWebServer(client *http.Client, loginURL, clientID, secret, redirectURL string, scopes []string, pkce bool, sessionTimeout time.Duration) *WebServer {
	loginURL = strings.TrimRight(loginURL, "/")
	return &WebServer{
		OAuth: oauth2.Config{
			ClientID:     clientID,
			ClientSecret: secret,
			RedirectURL:  redirectURL,
			Scopes:       scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:   loginURL + "/services/oauth2/authorize",
				TokenURL:  loginURL + "/services/oauth2/token",
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
		Org:            &salesforce.Client{HTTP: client, BaseURL: loginURL, ClientID: clientID, ClientSecret: secret},
		HTTP:           client,
		SessionTimeout: sessionTimeout,
		PKCE:           pkce,
		provider:       &lazyProvider{issuer: loginURL, client: client, setting: "org.issuer"},
	}
}

// SetIssuer makes the flow expect id_tokens (and the discovery document read from
// the login URL) to name issuer instead of the login URL: org.issuer, for an org
// whose My Domain names the generic login host as its issuer.
func (w *WebServer) SetIssuer(issuer string) {
	w.provider.expect = strings.TrimRight(issuer, "/")
}

func (w *WebServer) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, w.HTTP)
}

// AuthCodeURL implements Signin.
func (w *WebServer) AuthCodeURL(_ context.Context, fs FlowState, extra map[string]string) (string, error) {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", fs.Nonce)}
	if w.PKCE {
		opts = append(opts, oauth2.S256ChallengeOption(fs.Verifier))
	}
	for k, v := range extra {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return w.OAuth.AuthCodeURL(fs.State, opts...), nil
}

// Finish implements Signin: exchange, verify the id_token, read the identity.
func (w *WebServer) Finish(ctx context.Context, code string, fs FlowState) (*session.Record, error) {
	var opts []oauth2.AuthCodeOption
	if w.PKCE {
		opts = append(opts, oauth2.VerifierOption(fs.Verifier))
	}
	tok, err := w.OAuth.Exchange(w.ctx(ctx), code, opts...)
	if err != nil {
		return nil, &OrgError{Op: "code exchange", Err: salesforce.ErrorFromOAuth2(err)}
	}
	st, err := salesforce.TokenFromOAuth2(tok)
	if err != nil {
		return nil, &OrgError{Op: "token response", Err: err}
	}
	if w.OAuth.ClientSecret != "" && st.Signature != "" {
		if err := salesforce.VerifySignature(st, w.OAuth.ClientSecret); err != nil {
			return nil, &OrgError{Op: "token response signature", Err: err}
		}
	}
	id, err := w.identity(ctx, st, fs.Nonce)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	issued := st.IssuedAt
	if issued.IsZero() || issued.After(now) {
		issued = now
	}
	return &session.Record{
		Identity: id,
		Tokens: session.Tokens{
			AccessToken:  st.AccessToken,
			RefreshToken: st.RefreshToken,
			InstanceURL:  st.InstanceURL,
			Scope:        st.Scope,
			IssuedAt:     issued,
			ExpiresAt:    issued.Add(w.SessionTimeout),
			Flow:         "web-server",
		},
	}, nil
}

// identity verifies the id_token (issuer, audience, expiry, signature, nonce) and
// completes the identity from the userinfo endpoint.
func (w *WebServer) identity(ctx context.Context, st salesforce.Token, nonce string) (session.Identity, error) {
	id := session.Identity{IdentityURL: st.ID}
	id.OrgID, id.UserID = splitIdentityURL(st.ID)
	if st.IDToken != "" {
		p, err := w.provider.get(ctx)
		if err != nil {
			return id, err
		}
		v := p.Verifier(&oidc.Config{ClientID: w.OAuth.ClientID})
		idt, err := v.Verify(oidc.ClientContext(ctx, w.HTTP), st.IDToken)
		if err != nil {
			if iss := unverifiedIssuer(st.IDToken); iss != "" && strings.Contains(err.Error(), "issued by a different provider") {
				return id, fmt.Errorf("id_token rejected: it names issuer %q: if that is the org's, set org.issuer to %q: %w", iss, iss, err)
			}
			return id, fmt.Errorf("id_token rejected: %w", err)
		}
		if idt.Nonce != nonce {
			return id, errors.New("id_token rejected: nonce does not match this sign-in")
		}
		var c struct {
			Name              string `json:"name"`
			Email             string `json:"email"`
			PreferredUsername string `json:"preferred_username"`
		}
		_ = idt.Claims(&c)
		id.Name, id.Email, id.PreferredUsername, id.Username = c.Name, c.Email, c.PreferredUsername, c.PreferredUsername
		if idt.Subject != "" && id.IdentityURL == "" {
			id.IdentityURL = idt.Subject
			id.OrgID, id.UserID = splitIdentityURL(idt.Subject)
		}
	}
	base := st.InstanceURL
	if base == "" {
		base = w.Org.BaseURL
	}
	ui, err := w.Org.UserInfo(ctx, base, st.AccessToken)
	if err != nil {
		if id.Name == "" && id.UserID == "" {
			return id, classify("userinfo", err)
		}
		return id, nil // the id_token already told us who this is
	}
	fill(&id.UserID, ui.UserID)
	fill(&id.OrgID, ui.OrgID)
	fill(&id.Name, ui.Name)
	fill(&id.Email, ui.Email)
	fill(&id.PreferredUsername, ui.PreferredUsername)
	fill(&id.Username, ui.PreferredUsername)
	fill(&id.IdentityURL, ui.Sub)
	return id, nil
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// splitIdentityURL reads org and user ids from https://host/id/<org>/<user>.
func splitIdentityURL(u string) (org, user string) {
	i := strings.Index(u, "/id/")
	if i < 0 {
		return "", ""
	}
	parts := strings.Split(strings.Trim(u[i+4:], "/"), "/")
	if len(parts) >= 2 {
		return parts[0], parts[1]
	}
	return "", ""
}

// Renew implements Signin with the refresh token grant.
func (w *WebServer) Renew(ctx context.Context, rec *session.Record) (session.Tokens, error) {
	if rec.Tokens.RefreshToken == "" {
		return session.Tokens{}, fmt.Errorf("%w: no refresh token (add the refresh_token scope to eca.scopes and the ECA)", ErrSessionEnded)
	}
	src := w.OAuth.TokenSource(w.ctx(ctx), &oauth2.Token{RefreshToken: rec.Tokens.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		return session.Tokens{}, classify("refresh", salesforce.ErrorFromOAuth2(err))
	}
	st, err := salesforce.TokenFromOAuth2(tok)
	if err != nil {
		return session.Tokens{}, &OrgError{Op: "refresh response", Err: err}
	}
	t := rec.Tokens
	t.AccessToken = st.AccessToken
	if st.RefreshToken != "" {
		t.RefreshToken = st.RefreshToken // rotation
	}
	if st.InstanceURL != "" {
		t.InstanceURL = st.InstanceURL
	}
	if st.Scope != "" {
		t.Scope = st.Scope
	}
	now := time.Now()
	t.IssuedAt = now
	t.ExpiresAt = now.Add(w.SessionTimeout)
	return t, nil
}

// Revoke implements Signin: revoking the refresh token also kills its access tokens.
func (w *WebServer) Revoke(ctx context.Context, rec *session.Record) error {
	tok := rec.Tokens.RefreshToken
	if tok == "" {
		tok = rec.Tokens.AccessToken
	}
	if tok == "" {
		return nil
	}
	return w.Org.Revoke(ctx, tok)
}

// classify sorts an org error: a dead grant ends the session, anything else is
// the org's failure (reported as 502/503, never as a sign-out).
func classify(op string, err error) error {
	if salesforce.IsInvalidGrant(err) {
		return fmt.Errorf("%w (%s: %v)", ErrSessionEnded, op, err)
	}
	return &OrgError{Op: op, Err: err}
}

// unverifiedIssuer reads iss from a JWT without checking it, only to name it in
// an error message.
func unverifiedIssuer(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Iss
}
