package testidp

import (
	"context"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const callback = "http://127.0.0.1:1/callback"

var users = []User{
	{Username: "ada", Password: "correct horse", Email: "ada@example.com", PreferredUsername: "ada@example.com.sf", Name: "Ada Lovelace"},
	{Username: "bob", Password: "hunter2", Email: "bob@example.com", Name: "Bob"},
}

// relyingParty is what the gateway will do: discovery with go-oidc, the code
// flow with x/oauth2, PKCE S256 and a nonce.
type relyingParty struct {
	cfg      *oauth2.Config
	verifier *oidc.IDTokenVerifier
	ctx      context.Context
}

func newRP(t *testing.T, p *Provider, clientID, secret string) relyingParty {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), p.Client())
	prov, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		t.Fatalf("discovery at %s: %v", p.Issuer, err)
	}
	return relyingParty{
		cfg: &oauth2.Config{
			ClientID: clientID, ClientSecret: secret, Endpoint: prov.Endpoint(), RedirectURL: callback,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: prov.Verifier(&oidc.Config{ClientID: clientID}),
		ctx:      ctx,
	}
}

type claims struct {
	Sub               string `json:"sub"`
	Nonce             string `json:"nonce"`
	Email             string `json:"email"`
	EmailVerified     bool   `json:"email_verified"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
}

// signIn runs the whole code flow and returns the verified id_token's claims.
func (rp relyingParty) signIn(t *testing.T, p *Provider, username, password string) (claims, *oauth2.Token) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	nonce := "nonce-" + oauth2.GenerateVerifier()[:12]
	authURL := rp.cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	jar, _ := cookiejar.New(nil)
	cb, err := url.Parse(p.LoginAs(t, jar, authURL, username, password))
	if err != nil {
		t.Fatal(err)
	}
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != callback {
		t.Fatalf("redirect: wanted the client's callback %s, got %s", callback, got)
	}
	if cb.Query().Get("state") != "state-123" || cb.Query().Get("code") == "" {
		t.Fatalf("callback query: wanted code and state=state-123, got %v", cb.Query())
	}
	tok, err := rp.cfg.Exchange(rp.ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(rp.ctx, raw)
	if err != nil {
		t.Fatalf("verifying the id_token: %v", err)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.Nonce != nonce {
		t.Errorf("nonce: wanted %q, got %q", nonce, c.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	return c, tok
}

func TestCodeFlowWithPKCEAndNonce(t *testing.T) {
	p := Start(t, []Client{{ID: "gateway", Secret: "gateway-secret", RedirectURIs: []string{callback}}, {ID: "public-spa", RedirectURIs: []string{callback}}}, users)
	cases := []struct {
		name, clientID, secret, user, password string
		want                                   claims
	}{
		{"a confidential client signs ada in and gets her claims in the id_token", "gateway", "gateway-secret", "ada", "correct horse",
			claims{Sub: "user-1", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace", PreferredUsername: "ada@example.com.sf"}},
		{"a public client signs bob in and his preferred_username defaults to the username", "public-spa", "", "bob", "hunter2",
			claims{Sub: "user-2", Email: "bob@example.com", EmailVerified: true, Name: "Bob", PreferredUsername: "bob"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rp := newRP(t, p, c.clientID, c.secret)
			got, tok := rp.signIn(t, p, c.user, c.password)
			got.Nonce = ""
			if got != c.want {
				t.Errorf("id_token claims:\nwant %+v\ngot  %+v", c.want, got)
			}
			prov, _ := oidc.NewProvider(rp.ctx, p.Issuer)
			ui, err := prov.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var uc claims
			ui.Claims(&uc)
			if ui.Subject != c.want.Sub || ui.Email != c.want.Email || uc.PreferredUsername != c.want.PreferredUsername || uc.Name != c.want.Name {
				t.Errorf("userinfo: wanted %+v, got sub=%s %+v", c.want, ui.Subject, uc)
			}
		})
	}
}

func TestLoginUsesTheFirstUser(t *testing.T) {
	p := Start(t, []Client{{ID: "gateway", Secret: "s3cret", RedirectURIs: []string{callback}}}, users)
	rp := newRP(t, p, "gateway", "s3cret")
	authURL := rp.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	cb := p.Login(t, nil, authURL)
	if !strings.HasPrefix(cb, callback+"?code=") {
		t.Errorf("Login: wanted a redirect to %s with a code, got %s", callback, cb)
	}
}

func TestRefusals(t *testing.T) {
	p := Start(t, []Client{{ID: "gateway", Secret: "s3cret", RedirectURIs: []string{callback}}}, users)
	rp := newRP(t, p, "gateway", "s3cret")

	t.Run("a wrong password shows the form again with an error", func(t *testing.T) {
		authURL := rp.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		hc := p.Client()
		resp, err := hc.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Request.URL.Query().Get("authRequestID")
		resp, err = hc.PostForm(p.Issuer+LoginPath, url.Values{LoginFormID: {id}, LoginFormUsername: {"ada"}, LoginFormPassword: {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("wanted HTTP 401 with the form, got %d", resp.StatusCode)
		}
	})
	t.Run("a wrong PKCE verifier fails the exchange", func(t *testing.T) {
		authURL := rp.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		cb, _ := url.Parse(p.Login(t, nil, authURL))
		_, err := rp.cfg.Exchange(rp.ctx, cb.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("wanted invalid_grant, got %v", err)
		}
	})
	t.Run("an unregistered redirect URI is refused", func(t *testing.T) {
		cfg := *rp.cfg
		cfg.RedirectURL = "http://127.0.0.1:1/elsewhere"
		resp, err := p.Client().Get(cfg.AuthCodeURL("st"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 && strings.HasPrefix(resp.Request.URL.Path, LoginPath) {
			t.Errorf("wanted the authorize request refused, got the login form")
		}
	})
}
