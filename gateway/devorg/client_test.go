package devorg

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// A plain golang.org/x/oauth2 + go-oidc client completes the whole flow against the org.
func TestStandardClientCompletesCodeFlowWithPKCE(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, e.srv.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ep := provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	conf := &oauth2.Config{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, Endpoint: ep,
		RedirectURL: testCallback, Scopes: []string{oidc.ScopeOpenID, "web", "api", "refresh_token"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), oidc.Nonce("nonce-1"))

	loc := e.signIn(e.browser(), authURL, "alice@devorg.example", "alice")
	if loc.Query().Get("state") != "state-1" {
		t.Fatalf("wanted state-1 back, got %s", loc)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: DefaultClientID}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("id_token verification: %v", err)
	}
	if idt.Nonce != "nonce-1" || idt.Subject != ProductionLoginHost+"/id/"+DefaultOrgID+"/005devorg00000AAAA" {
		t.Errorf("wanted nonce-1 and the identity URL as sub, got %q %q", idt.Nonce, idt.Subject)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		Email, Name       string
		PreferredUsername string `json:"preferred_username"`
	}
	if err := idt.Claims(&claims); err != nil || claims.PreferredUsername != "alice@devorg.example" || claims.Email == "" || claims.Name == "" {
		t.Errorf("wanted name/email/preferred_username claims, got %+v (%v)", claims, err)
	}
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || ui.Email != "alice@devorg.example" {
		t.Errorf("userinfo: wanted alice, got %+v (%v)", ui, err)
	}

	// Refresh: no expires_in, so force it by presenting only the refresh token.
	before := e.org.Count("token:refresh_token")
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: wanted a new access token, got %v (%v)", fresh, err)
	}
	if n := e.org.Count("token:refresh_token") - before; n != 1 {
		t.Errorf("wanted exactly one refresh call, got %d", n)
	}

	// Revoke the refresh token, then refreshing fails the Salesforce way.
	resp, err := http.PostForm(provider.Endpoint().TokenURL[:strings.LastIndex(provider.Endpoint().TokenURL, "/")]+"/revoke", url.Values{"token": {tok.RefreshToken}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: wanted 200, got %v %v", resp, err)
	}
	resp.Body.Close()
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.ErrorDescription != "expired access/refresh token" {
		t.Errorf("wanted invalid_grant / expired access/refresh token after revoke, got %v", err)
	}
}

func TestKnobs(t *testing.T) {
	t.Run("FailNext fails exactly n requests and counts them", func(t *testing.T) {
		e := newEnv(t, nil)
		e.org.FailNext("discovery", 2, 503)
		var got []int
		for i := 0; i < 3; i++ {
			resp, err := http.Get(e.srv.URL + discoveryPath)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got = append(got, resp.StatusCode)
		}
		if got[0] != 503 || got[1] != 503 || got[2] != 200 || e.org.Count("discovery") != 3 {
			t.Errorf("wanted 503 503 200 and 3 counted, got %v and %d", got, e.org.Count("discovery"))
		}
	})
	t.Run("SetDown answers 503 everywhere but the knobs", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Knobs = true })
		e.org.SetDown(true)
		for _, p := range []string{discoveryPath, tokenPath, singleAccessPath, "/"} {
			resp, _ := http.Get(e.srv.URL + p)
			resp.Body.Close()
			if resp.StatusCode != 503 {
				t.Errorf("%s: wanted 503, got %d", p, resp.StatusCode)
			}
		}
		resp, _ := http.Post(e.srv.URL+"/__devorg/down", "application/json", strings.NewReader(`{"down":false}`))
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("knob: wanted 200, got %d", resp.StatusCode)
		}
		resp, _ = http.Get(e.srv.URL + discoveryPath)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("after down=false wanted 200, got %d", resp.StatusCode)
		}
	})
	t.Run("SetLatency delays answers", func(t *testing.T) {
		e := newEnv(t, nil)
		e.org.SetLatency(150 * time.Millisecond)
		start := time.Now()
		resp, _ := http.Get(e.srv.URL + discoveryPath)
		resp.Body.Close()
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("wanted at least 150ms, took %v", d)
		}
	})
	t.Run("the HTTP knobs answer JSON and reach the org", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Knobs = true })
		at := e.tokens("web api")["access_token"].(string)
		for _, k := range []struct{ path, body string }{
			{"/__devorg/expire-sessions", ""},
			{"/__devorg/session-timeout", `{"timeout":"30m"}`},
			{"/__devorg/latency", `{"latency":"0s"}`},
			{"/__devorg/fail-next", `{"endpoint":"userinfo","n":1,"status":500}`},
			{"/__devorg/rotate-keys", ""},
		} {
			resp, err := http.Post(e.srv.URL+k.path, "application/json", strings.NewReader(k.body))
			if err != nil {
				t.Fatal(err)
			}
			if b := readBody(t, resp); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: wanted 200 JSON, got %d %s", k.path, resp.StatusCode, b)
			}
		}
		if r, b := e.bridge(singleAccessPath, at, nil); r.StatusCode != 403 || b != "Bad_OAuth_Token" {
			t.Errorf("after expire-sessions wanted the token dead, got %d %q", r.StatusCode, b)
		}
		resp, _ := http.Get(e.srv.URL + "/__devorg/counts")
		if b := readBody(t, resp); !strings.Contains(b, `"singleaccess":1`) {
			t.Errorf("wanted counts to show singleaccess 1, got %s", b)
		}
		resp, _ = http.Post(e.srv.URL+"/__devorg/counts/reset", "application/json", nil)
		resp.Body.Close()
		if e.org.Count("singleaccess") != 0 {
			t.Errorf("wanted counters reset")
		}
	})
	t.Run("without Config.Knobs there is no knob endpoint", func(t *testing.T) {
		e := newEnv(t, nil)
		resp, _ := http.Post(e.srv.URL+"/__devorg/down", "application/json", strings.NewReader(`{"down":true}`))
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("wanted 404, got %d", resp.StatusCode)
		}
	})
}

func TestLightningOutIsMounted(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := http.Get(e.srv.URL + "/lightning/lightning.out.latest/index.iife.prod.js")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, "lightning-out-application") {
		t.Errorf("wanted the Lightning Out library, got %d %.100s", resp.StatusCode, body)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"a short org id", func(c *Config) { c.OrgID = "00D123" }, "OrgID"},
		{"a user id without 005", func(c *Config) { c.Users[0].ID = "006devorg00000AAAA" }, "005"},
		{"an unknown permitted-users policy", func(c *Config) { c.Apps[0].PermittedUsers = "everyone" }, "PermittedUsers"},
		{"JWT bearer without a certificate", func(c *Config) { c.Apps[0].JWTBearer = true }, "CertificatePEM"},
		{"an origin with a path", func(c *Config) { c.Origin = "http://127.0.0.1:1/x" }, "Origin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig("", []string{testCallback}, nil)
			c.mutate(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("wanted an error naming %s, got %v", c.want, err)
			}
		})
	}
}
