package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/logateway/logateway/internal/harness"
)

// `logateway devorg` serves an org that a plain x/oauth2 + go-oidc client can
// sign in against (code + PKCE), verify, refresh and revoke against.
func TestDevorgCommandServesAnOrgAPlainOIDCClientCanUse(t *testing.T) {
	addr := freeAddr(t)
	const callback = "http://localhost:18999/cb"
	start(t, "devorg", "--listen", addr, "--callback", callback)
	org := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var provider *oidc.Provider
	var err error
	for i := 0; i < 100; i++ {
		if provider, err = oidc.NewProvider(ctx, org); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("OIDC discovery at the devorg process: %v", err)
	}
	cfg := oauth2.Config{ClientID: "3MVG9devorg.logateway.client", ClientSecret: "devorg-client-secret",
		Endpoint: provider.Endpoint(), RedirectURL: callback, Scopes: []string{"openid", "web", "refresh_token", "profile"}}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n0nce"))

	jar, _ := cookiejar.New(nil)
	var got string
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callback) {
			got = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = harness.SubmitOrgForms(client, resp, org, harness.AliceUser, harness.AlicePass)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got == "" {
		t.Fatal("the org never redirected to the callback")
	}
	q := mustQuery(t, got)
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("callback query: state %q, code present %v", q.Get("state"), q.Get("code") != "")
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	if idt.Nonce != "n0nce" {
		t.Fatalf("id_token nonce %q, want n0nce", idt.Nonce)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token though refresh_token was granted")
	}
	refreshed, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil || refreshed.AccessToken == "" || refreshed.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: err %v, new token %v", err, refreshed != nil && refreshed.AccessToken != tok.AccessToken)
	}
	resp, err = http.PostForm(org+"/services/oauth2/revoke", map[string][]string{"token": {tok.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d, want 200", resp.StatusCode)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revoke: %v, want invalid_grant", err)
	}
}

// Behind a TLS proxy the org must name its public https origin, not its listen
// address, as issuer and in every endpoint it advertises.
func TestDevorgPublicURLIsTheIssuerAndEveryEndpoint(t *testing.T) {
	addr := freeAddr(t)
	start(t, "devorg", "--listen", addr, "--public-url", "https://org.example.test:8443/")
	var doc map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/.well-known/openid-configuration")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want the discovery document from the devorg process, got %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	const want = "https://org.example.test:8443"
	if doc["issuer"] != want {
		t.Errorf("want issuer %s, got %v", want, doc["issuer"])
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "revocation_endpoint"} {
		if v, _ := doc[k].(string); !strings.HasPrefix(v, want+"/") {
			t.Errorf("want %s on the public origin %s, got %q", k, want, v)
		}
	}
}

func TestDevorgRefusesABadPublicURLNamingTheFlag(t *testing.T) {
	for _, bad := range []string{"org.example.test", "ftp://org.example.test", "https://org.example.test/path", "https://u@org.example.test"} {
		t.Run(bad, func(t *testing.T) {
			var stderr strings.Builder
			err := devorgCmd(context.Background(), []string{"--listen", "127.0.0.1:0", "--public-url", bad}, io.Discard, &stderr)
			e, ok := err.(exitError)
			if !ok || e.code != 2 || !strings.Contains(e.msg, "--public-url") || !strings.Contains(e.msg, "; write ") {
				t.Errorf("want exit 2 naming --public-url and the fix, got %#v", err)
			}
		})
	}
}
