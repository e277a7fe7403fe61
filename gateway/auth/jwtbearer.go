package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
)

// JWTBearer signs visitors in at the company's own OIDC provider, maps a claim to
// a Salesforce username, and exchanges a signed assertion for an org token. The
// org issues no refresh token in this flow: Renew mints a new assertion.
type JWTBearer struct {
	IdP            oauth2.Config
	HTTP           *http.Client
	Org            *salesforce.Client // token host: login URL or My Domain
	Key            *rsa.PrivateKey
	ConsumerKey    string
	Audience       string
	UsernameClaim  string
	Template       string            // "{{value}}", "{{local}}@example.com.sf"
	UsernameMap    map[string]string // claim value → username, checked first
	SessionTimeout time.Duration
	idp            *lazyProvider
}

// NewJWTBearer builds the flow; issuer is the IdP's issuer URL.
func NewJWTBearer(client *http.Client, issuer string, idp oauth2.Config, org *salesforce.Client, key *rsa.PrivateKey, audience, claim, template string, mapping map[string]string, sessionTimeout time.Duration) *JWTBearer {
	return &JWTBearer{
		IdP: idp, HTTP: client, Org: org, Key: key, ConsumerKey: org.ClientID, Audience: audience,
		UsernameClaim: claim, Template: template, UsernameMap: mapping, SessionTimeout: sessionTimeout,
		idp: &lazyProvider{issuer: issuer, client: client, setting: "signin.idp.issuer"},
	}
}

// AuthCodeURL implements Signin: the browser goes to the company IdP.
func (j *JWTBearer) AuthCodeURL(ctx context.Context, fs FlowState, extra map[string]string) (string, error) {
	p, err := j.idp.get(ctx)
	if err != nil {
		return "", err
	}
	cfg := j.IdP
	cfg.Endpoint = p.Endpoint()
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", fs.Nonce), oauth2.S256ChallengeOption(fs.Verifier)}
	for k, v := range extra {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return cfg.AuthCodeURL(fs.State, opts...), nil
}

// Finish implements Signin.
func (j *JWTBearer) Finish(ctx context.Context, code string, fs FlowState) (*session.Record, error) {
	p, err := j.idp.get(ctx)
	if err != nil {
		return nil, err
	}
	cfg := j.IdP
	cfg.Endpoint = p.Endpoint()
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, j.HTTP), code, oauth2.VerifierOption(fs.Verifier))
	if err != nil {
		return nil, idpExchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, &OrgError{Op: "identity provider", Err: errors.New("no id_token in the token response (is the openid scope requested?)")}
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: j.IdP.ClientID}).Verify(oidc.ClientContext(ctx, j.HTTP), raw)
	if err != nil {
		return nil, fmt.Errorf("identity provider id_token rejected: %w", err)
	}
	if idt.Nonce != fs.Nonce {
		return nil, errors.New("identity provider id_token rejected: nonce does not match this sign-in")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, err
	}
	username, err := j.usernameFrom(claims)
	if err != nil {
		return nil, err
	}
	t, err := j.mint(ctx, username)
	if err != nil {
		return nil, err
	}
	id := session.Identity{Username: username, PreferredUsername: username, IdentityURL: t.ID}
	id.OrgID, id.UserID = splitIdentityURL(t.ID)
	if n, ok := claims["name"].(string); ok {
		id.Name = n
	}
	if e, ok := claims["email"].(string); ok {
		id.Email = e
	}
	if ui, err := j.Org.UserInfo(ctx, t.InstanceURL, t.AccessToken); err == nil {
		fill(&id.UserID, ui.UserID)
		fill(&id.OrgID, ui.OrgID)
		fill(&id.Name, ui.Name)
		fill(&id.Email, ui.Email)
	}
	now := time.Now()
	return &session.Record{Identity: id, Tokens: session.Tokens{
		AccessToken: t.AccessToken, InstanceURL: t.InstanceURL, Scope: t.Scope,
		IssuedAt: now, ExpiresAt: now.Add(j.SessionTimeout), Flow: "jwt-bearer",
	}}, nil
}

// UnmappedUser means the IdP's id_token lacks the claim that names the user, or
// names it with an address the IdP has not verified.
type UnmappedUser struct {
	Claim      string
	Unverified bool // email claim present but email_verified is false
}

func (e *UnmappedUser) Error() string {
	if e.Unverified {
		return "the identity provider says the id_token's email is not verified, so it cannot name a Salesforce user (verify the address at the IdP, or set signin.idp.username_claim to another claim)"
	}
	return "the identity provider's id_token has no " + e.Claim + " claim to map to a Salesforce username (signin.idp.username_claim; ask the IdP to put it in the id_token or request its scope in signin.idp.scopes)"
}

// IdPError is the identity provider refusing the code exchange (as opposed to
// not answering, which is an *OrgError): Code is its OAuth error word.
type IdPError struct {
	Code        string
	Description string
}

func (e *IdPError) Error() string {
	s := "identity provider refused the code exchange: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Hint says what an admin should check for the IdP's refusal.
func (e *IdPError) Hint() string {
	switch e.Code {
	case "invalid_grant":
		return "the identity provider refused the authorization code (already used, expired, or PKCE verifier mismatch): the visitor should sign in again"
	case "invalid_client", "unauthorized_client":
		return "the identity provider does not accept the gateway's client: check signin.idp.client_id and its client secret (signin.idp.client_secret_env / client_secret_file)"
	}
	return "the identity provider answered " + e.Code + ": check the gateway's application at the IdP (client id, secret, redirect URI = site url + eca.callback_path)"
}

// idpExchangeError keeps the IdP's OAuth refusal readable and leaves transport
// failures as *OrgError (unreachable: 503).
func idpExchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return &IdPError{Code: re.ErrorCode, Description: re.ErrorDescription}
	}
	return &OrgError{Op: "identity provider code exchange", Err: err}
}

// usernameFrom reads the configured claim from verified id_token claims and
// maps it to a Salesforce username.
func (j *JWTBearer) usernameFrom(claims map[string]any) (string, error) {
	value, _ := claims[j.UsernameClaim].(string)
	if value == "" {
		return "", &UnmappedUser{Claim: j.UsernameClaim}
	}
	// An address the IdP has not verified may be anyone's: mapping it to a
	// Salesforce username would let a visitor choose whom to act as.
	if j.UsernameClaim == "email" {
		if v, ok := claims["email_verified"].(bool); ok && !v {
			return "", &UnmappedUser{Claim: j.UsernameClaim, Unverified: true}
		}
	}
	return j.username(value), nil
}

// username maps the IdP claim to a Salesforce username: the lookup table first
// (exactly, then case-insensitively, as Salesforce usernames are), then the template.
func (j *JWTBearer) username(v string) string {
	if u, ok := j.UsernameMap[v]; ok {
		return u
	}
	for k, u := range j.UsernameMap {
		if strings.EqualFold(k, v) {
			return u
		}
	}
	t := j.Template
	if t == "" {
		t = "{{value}}"
	}
	local := v
	if i := strings.IndexByte(v, '@'); i >= 0 {
		local = v[:i]
	}
	return strings.NewReplacer("{{value}}", v, "{{local}}", local).Replace(t)
}

func (j *JWTBearer) mint(ctx context.Context, username string) (salesforce.Token, error) {
	a, err := salesforce.SignAssertion(j.Key, salesforce.Assertion{ClientID: j.ConsumerKey, Username: username, Audience: j.Audience}, time.Now())
	if err != nil {
		return salesforce.Token{}, err
	}
	t, err := j.Org.JWTBearer(ctx, a)
	if err != nil {
		// Salesforce words an expired assertion like a used authorization code;
		// the grant tells the two apart for the hint and the callback page.
		if se, ok := salesforce.AsError(err); ok && se.Grant == "" {
			se.Grant = salesforce.GrantJWTBearer
		}
		return salesforce.Token{}, &OrgError{Op: "JWT bearer exchange for " + username, Err: err}
	}
	return t, nil
}

// Renew implements Signin: a fresh assertion for the same user.
func (j *JWTBearer) Renew(ctx context.Context, rec *session.Record) (session.Tokens, error) {
	t, err := j.mint(ctx, rec.Identity.Username)
	if err != nil {
		if salesforce.IsInvalidGrant(err) || isAccessRefusal(err) {
			return session.Tokens{}, fmt.Errorf("%w (%v)", ErrSessionEnded, err)
		}
		return session.Tokens{}, err
	}
	now := time.Now()
	tok := rec.Tokens
	tok.AccessToken, tok.InstanceURL, tok.Scope = t.AccessToken, firstNonEmpty(t.InstanceURL, tok.InstanceURL), firstNonEmpty(t.Scope, tok.Scope)
	tok.IssuedAt, tok.ExpiresAt = now, now.Add(j.SessionTimeout)
	return tok, nil
}

func isAccessRefusal(err error) bool {
	se, ok := salesforce.AsError(err)
	return ok && (se.Code == "invalid_app_access" || se.Code == "inactive_user")
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// Revoke implements Signin: the access token is all there is.
func (j *JWTBearer) Revoke(ctx context.Context, rec *session.Record) error {
	if rec.Tokens.AccessToken == "" {
		return nil
	}
	return j.Org.Revoke(ctx, rec.Tokens.AccessToken)
}
