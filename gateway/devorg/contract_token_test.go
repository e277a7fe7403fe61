package devorg

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func unverifiedClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("wanted a JWS compact token, got %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func codeForm(code, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "redirect_uri": {testCallback}, "code_verifier": {verifier}}
}

func TestItem13CodeSingleUseAndLifetime(t *testing.T) {
	t.Run("a second exchange of the same code fails", func(t *testing.T) {
		e := newEnv(t, nil)
		code, verifier := e.code(nil)
		if resp, body := e.post(tokenPath, codeForm(code, verifier)); resp.StatusCode != 200 {
			t.Fatalf("first use: wanted 200, got %d %v", resp.StatusCode, body)
		}
		resp, body := e.post(tokenPath, codeForm(code, verifier))
		wantOAuthError(t, resp, body, 400, "invalid_grant", "expired authorization code")
	})
	t.Run("a code older than 15 minutes fails", func(t *testing.T) {
		e := newEnv(t, nil)
		code, verifier := e.code(nil)
		e.clock.Advance(15*time.Minute + time.Second)
		resp, body := e.post(tokenPath, codeForm(code, verifier))
		wantOAuthError(t, resp, body, 400, "invalid_grant", "expired authorization code")
	})
}

func TestItem14RedirectURIMustMatchAuthorize(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Apps[0].CallbackURLs = append(c.Apps[0].CallbackURLs, "https://gw.example.test/other")
	})
	code, verifier := e.code(nil)
	f := codeForm(code, verifier)
	f.Set("redirect_uri", "https://gw.example.test/other")
	resp, body := e.post(tokenPath, f)
	wantOAuthError(t, resp, body, 400, "redirect_uri_mismatch", "redirect_uri must match configuration")
}

func TestItem15ClientAuthentication(t *testing.T) {
	cases := []struct {
		name        string
		requireSec  bool
		mutate      func(url.Values)
		code, desc  string
		wantSuccess bool
	}{
		{"a wrong secret fails although none is required", false, func(f url.Values) { f.Set("client_secret", "nope") }, "invalid_client", "invalid client credentials", false},
		{"no secret is fine when none is required", false, func(f url.Values) { f.Del("client_secret") }, "", "", true},
		{"a missing secret fails when Require Secret for Web Server Flow is on", true, func(f url.Values) { f.Del("client_secret") }, "invalid_client", "invalid client credentials", false},
		{"an unknown client is invalid_client_id", false, func(f url.Values) { f.Set("client_id", "3MVGnope") }, "invalid_client_id", "client identifier invalid", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) { cfg.Apps[0].RequireSecretForWebServer = c.requireSec })
			code, verifier := e.code(nil)
			f := codeForm(code, verifier)
			c.mutate(f)
			resp, body := e.post(tokenPath, f)
			if c.wantSuccess {
				if resp.StatusCode != 200 {
					t.Errorf("wanted 200, got %d %v", resp.StatusCode, body)
				}
				return
			}
			wantOAuthError(t, resp, body, 400, c.code, c.desc)
		})
	}
}

func TestItem16PKCEAtTheTokenEndpoint(t *testing.T) {
	t.Run("a verifier that does not hash to the challenge is invalid_request", func(t *testing.T) {
		e := newEnv(t, nil)
		code, _ := e.code(nil)
		other, _ := pkcePair()
		resp, body := e.post(tokenPath, codeForm(code, other))
		if resp.StatusCode != 400 || body["error"] != "invalid_request" {
			t.Errorf("wanted 400 invalid_request, got %d %v", resp.StatusCode, body)
		}
	})
	t.Run("a stored challenge without verifier is invalid_grant", func(t *testing.T) {
		e := newEnv(t, nil)
		code, _ := e.code(nil)
		f := codeForm(code, "")
		f.Del("code_verifier")
		resp, body := e.post(tokenPath, f)
		if resp.StatusCode != 400 || body["error"] != "invalid_grant" {
			t.Errorf("wanted 400 invalid_grant, got %d %v", resp.StatusCode, body)
		}
	})
}

var accessTokenShape = regexp.MustCompile(`^00D[A-Za-z0-9]{12}![A-Za-z0-9._]+$`)

func TestItem17SuccessBody(t *testing.T) {
	e := newEnv(t, nil)
	code, verifier := e.code(map[string]string{"scope": "web api openid refresh_token"})
	resp, body := e.post(tokenPath, codeForm(code, verifier))
	if resp.StatusCode != 200 {
		t.Fatalf("wanted 200, got %d %v", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("wanted Cache-Control no-store, got %q", resp.Header.Get("Cache-Control"))
	}
	if _, ok := body["expires_in"]; ok {
		t.Errorf("wanted no expires_in, got %v", body["expires_in"])
	}
	at, _ := body["access_token"].(string)
	if !accessTokenShape.MatchString(at) || !strings.HasPrefix(at, DefaultOrgID[:15]+"!") {
		t.Errorf("wanted an access token like 00D…!…, got %q", at)
	}
	// The id names the generic login host even though the token came from the My Domain.
	wantID := ProductionLoginHost + "/id/" + DefaultOrgID + "/005devorg00000AAAA"
	if body["id"] != wantID || body["instance_url"] != e.srv.URL || body["token_type"] != "Bearer" || body["scope"] != "web api openid refresh_token" {
		t.Errorf("wanted id %s, instance_url %s, Bearer, scope; got %v", wantID, e.srv.URL, body)
	}
	if rt, _ := body["refresh_token"].(string); rt == "" {
		t.Errorf("wanted a refresh_token for the refresh_token scope")
	}
	issuedAt, ok := body["issued_at"].(string)
	if !ok || len(issuedAt) != 13 {
		t.Fatalf("wanted issued_at as a 13-digit string, got %#v", body["issued_at"])
	}
	mac := hmac.New(sha256.New, []byte(DefaultClientSecret))
	mac.Write([]byte(wantID + issuedAt))
	if body["signature"] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		t.Errorf("wanted signature = Base64(HMAC-SHA256(secret, id+issued_at)), got %v", body["signature"])
	}
	claims := unverifiedClaims(t, body["id_token"].(string))
	for _, k := range []string{"iss", "sub", "aud", "exp", "iat", "at_hash", "name", "email", "preferred_username"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("wanted id_token claim %s, claims are %v", k, claims)
		}
	}
	if claims["sub"] != wantID || claims["iss"] != e.srv.URL || claims["aud"] != DefaultClientID {
		t.Errorf("wanted sub=identity URL, iss=origin, aud=client id; got %v", claims)
	}
	t.Run("no refresh token without the refresh_token scope", func(t *testing.T) {
		code, verifier := e.code(map[string]string{"scope": "web api"})
		_, body := e.post(tokenPath, codeForm(code, verifier))
		if _, ok := body["refresh_token"]; ok {
			t.Errorf("wanted no refresh_token, got one")
		}
		if _, ok := body["id_token"]; ok {
			t.Errorf("wanted no id_token without openid")
		}
	})
}

func TestItem18AccessTokenSessionTimeout(t *testing.T) {
	e := newEnv(t, nil)
	body := e.tokens("web api refresh_token")
	at := body["access_token"].(string)
	introspect := func() bool {
		_, m := e.post(introspectPath, url.Values{"token": {at}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}})
		return m["active"] == true
	}
	e.clock.Advance(2*time.Hour - time.Minute)
	if !introspect() {
		t.Fatalf("wanted the token active just before the 2h default timeout")
	}
	e.clock.Advance(2 * time.Minute)
	if introspect() {
		t.Errorf("wanted the token inactive after the 2h default timeout")
	}
	t.Run("SetSessionTimeout shortens tokens already issued", func(t *testing.T) {
		at = e.tokens("web api")["access_token"].(string)
		e.clock.Advance(11 * time.Minute)
		e.org.SetSessionTimeout(10 * time.Minute)
		if introspect() {
			t.Errorf("wanted the token inactive after the new 10m timeout")
		}
	})
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
}

func TestItem19Refresh(t *testing.T) {
	t.Run("refresh answers without refresh_token and keeps the old one valid", func(t *testing.T) {
		e := newEnv(t, nil)
		rt := e.tokens("web openid refresh_token")["refresh_token"].(string)
		for i := 0; i < 2; i++ {
			resp, body := e.post(tokenPath, refreshForm(rt))
			if resp.StatusCode != 200 || body["access_token"] == nil || body["refresh_token"] != nil || body["issued_at"] == nil || body["id_token"] == nil {
				t.Fatalf("refresh %d: wanted 200 with access_token, issued_at, id_token and no refresh_token, got %d %v", i, resp.StatusCode, body)
			}
		}
		if e.org.Count("token:refresh_token") != 2 {
			t.Errorf("wanted the counter at 2 refreshes, got %d", e.org.Count("token:refresh_token"))
		}
	})
	t.Run("rotation issues a new token and rejects the old", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Apps[0].RefreshTokenRotation = true })
		rt := e.tokens("web refresh_token")["refresh_token"].(string)
		resp, body := e.post(tokenPath, refreshForm(rt))
		next, _ := body["refresh_token"].(string)
		if resp.StatusCode != 200 || next == "" || next == rt {
			t.Fatalf("wanted a new refresh_token, got %d %v", resp.StatusCode, body)
		}
		resp, body = e.post(tokenPath, refreshForm(rt))
		wantOAuthError(t, resp, body, 400, "invalid_grant", "expired access/refresh token")
		if resp, _ := e.post(tokenPath, refreshForm(next)); resp.StatusCode != 200 {
			t.Errorf("wanted the rotated token to work, got %d", resp.StatusCode)
		}
	})
	t.Run("a revoked refresh token is invalid_grant", func(t *testing.T) {
		e := newEnv(t, nil)
		rt := e.tokens("web refresh_token")["refresh_token"].(string)
		e.post(revokePath, url.Values{"token": {rt}})
		resp, body := e.post(tokenPath, refreshForm(rt))
		wantOAuthError(t, resp, body, 400, "invalid_grant", "expired access/refresh token")
	})
	t.Run("an idle refresh token expires per the app policy", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Apps[0].RefreshTokenIdleTTL = time.Hour })
		rt := e.tokens("web refresh_token")["refresh_token"].(string)
		e.clock.Advance(61 * time.Minute)
		resp, body := e.post(tokenPath, refreshForm(rt))
		wantOAuthError(t, resp, body, 400, "invalid_grant", "expired access/refresh token")
	})
	t.Run("the secret is required when Require Secret for Refresh Token Flow is on", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Apps[0].RequireSecretForRefresh = true })
		rt := e.tokens("web refresh_token")["refresh_token"].(string)
		f := refreshForm(rt)
		f.Del("client_secret")
		resp, body := e.post(tokenPath, f)
		wantOAuthError(t, resp, body, 400, "invalid_client", "invalid client credentials")
	})
	t.Run("ExpireSessions ends access tokens but not refresh tokens", func(t *testing.T) {
		e := newEnv(t, nil)
		body := e.tokens("web refresh_token")
		e.org.ExpireSessions()
		_, m := e.post(introspectPath, url.Values{"token": {body["access_token"].(string)}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}})
		if m["active"] != false {
			t.Errorf("wanted the access token inactive after ExpireSessions, got %v", m)
		}
		if resp, _ := e.post(tokenPath, refreshForm(body["refresh_token"].(string))); resp.StatusCode != 200 {
			t.Errorf("wanted the refresh token still valid, got %d", resp.StatusCode)
		}
	})
}

func TestItem20ClientCredentials(t *testing.T) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	t.Run("without a run-as user", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Apps[0].ClientCredentials = true })
		resp, body := e.post(tokenPath, form)
		wantOAuthError(t, resp, body, 400, "invalid_grant", "no client credentials user enabled")
	})
	t.Run("with a run-as user web and full are dropped and no refresh token comes", func(t *testing.T) {
		e := newEnv(t, func(c *Config) {
			c.Apps[0].ClientCredentials = true
			c.Apps[0].RunAsUsername = "bob@devorg.example"
			c.Apps[0].Scopes = append(c.Apps[0].Scopes, "full")
		})
		resp, body := e.post(tokenPath, form)
		if resp.StatusCode != 200 {
			t.Fatalf("wanted 200, got %d %v", resp.StatusCode, body)
		}
		scope := " " + body["scope"].(string) + " "
		if strings.Contains(scope, " web ") || strings.Contains(scope, " full ") || body["refresh_token"] != nil {
			t.Errorf("wanted no web, no full, no refresh_token, got %v", body)
		}
		// and the UI Bridge then refuses the token (3.8)
		r2, b2 := e.bridge(singleAccessPath, body["access_token"].(string), nil)
		if r2.StatusCode != 403 || b2 != "Invalid_Scope" {
			t.Errorf("wanted the UI Bridge to answer 403 Invalid_Scope, got %d %q", r2.StatusCode, b2)
		}
	})
}

// assertion signs a JWT-bearer assertion.
func assertion(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestItem21JWTBearer(t *testing.T) {
	key, certPEM := testCert(t)
	otherKey, _ := testCert(t)
	const jwtClient = "3MVG9devorg.jwt.client"
	e := newEnv(t, func(c *Config) {
		c.Apps = append(c.Apps,
			App{Name: "jwt admin", ClientID: jwtClient, Scopes: []string{"web", "api", "refresh_token"}, JWTBearer: true, CertificatePEM: certPEM,
				PermittedUsers: AdminApproved, AssignedUsernames: []string{"alice@devorg.example", "gone@devorg.example"}},
			App{Name: "jwt self", ClientID: jwtClient + ".self", Scopes: []string{"web", "api"}, JWTBearer: true, CertificatePEM: certPEM, PermittedUsers: AllSelfAuthorize})
	})
	if err := e.org.Approve("bob@devorg.example", jwtClient+".self"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	base := func() map[string]any {
		return map[string]any{"iss": jwtClient, "sub": "alice@devorg.example", "aud": "https://login.salesforce.com", "exp": now.Add(2 * time.Minute).Unix()}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	cases := []struct {
		name       string
		signer     *rsa.PrivateKey
		claims     map[string]any
		raw        string
		status     int
		code, desc string
	}{
		{"an assigned user gets a token", key, base(), "", 200, "", ""},
		{"the org's own origin is an accepted audience", key, with("aud", e.srv.URL), "", 200, "", ""},
		{"an approved user of a self-authorize app gets a token", key, map[string]any{"iss": jwtClient + ".self", "sub": "bob@devorg.example", "aud": "https://login.salesforce.com", "exp": now.Add(time.Minute).Unix()}, "", 200, "", ""},
		{"a malformed assertion", nil, nil, "not.a.jwt", 400, "invalid_grant", "invalid assertion"},
		{"a signature by another key", otherKey, base(), "", 400, "invalid_grant", "invalid assertion"},
		{"an unknown issuer", key, with("iss", "3MVGnope"), "", 400, "invalid_client_id", "client identifier invalid"},
		{"a wrong audience", key, with("aud", "https://gw.example.test/services/oauth2/token"), "", 400, "invalid_grant", "audience is invalid"},
		{"an exp in the past", key, with("exp", now.Add(-time.Minute).Unix()), "", 400, "invalid_grant", "expired authorization code"},
		{"an exp beyond 3 minutes", key, with("exp", now.Add(5*time.Minute).Unix()), "", 400, "invalid_grant", "expired authorization code"},
		{"an exp in milliseconds is accepted, as Salesforce's CLI sends it", key, with("exp", now.Add(time.Minute).UnixMilli()), "", 200, "", ""},
		{"an exp in milliseconds beyond 3 minutes", key, with("exp", now.Add(5*time.Minute).UnixMilli()), "", 400, "invalid_grant", "expired authorization code"},
		{"an exp in milliseconds in the past", key, with("exp", now.Add(-time.Minute).UnixMilli()), "", 400, "invalid_grant", "expired authorization code"},
		{"a production org refuses the sandbox audience", key, with("aud", SandboxLoginHost), "", 400, "invalid_grant", "audience is invalid"},
		{"an unknown user", key, with("sub", "nobody@devorg.example"), "", 400, "invalid_grant", "user hasn't approved this consumer"},
		{"a self-authorize app the user never approved", key, map[string]any{"iss": jwtClient + ".self", "sub": "alice@devorg.example", "aud": "https://login.salesforce.com", "exp": now.Add(time.Minute).Unix()}, "", 400, "invalid_grant", "user hasn't approved this consumer"},
		{"an admin-approved app without assignment", key, with("sub", "bob@devorg.example"), "", 400, "invalid_app_access", "user is not admin approved to access this app"},
		{"an inactive user", key, with("sub", "gone@devorg.example"), "", 400, "inactive_user", "user is inactive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.raw
			if a == "" {
				a = assertion(t, c.signer, c.claims)
			}
			resp, body := e.post(tokenPath, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}})
			if c.status == 200 {
				if resp.StatusCode != 200 || body["access_token"] == nil || body["refresh_token"] != nil || body["id"] == nil {
					t.Errorf("wanted 200 with access_token and id and no refresh_token, got %d %v", resp.StatusCode, body)
				}
				return
			}
			wantOAuthError(t, resp, body, c.status, c.code, c.desc)
		})
	}
}

func TestItem22UnsupportedGrantType(t *testing.T) {
	e := newEnv(t, nil)
	for _, g := range []string{"password_please", "", "urn:ietf:params:oauth:grant-type:device_code"} {
		t.Run("grant_type "+g, func(t *testing.T) {
			resp, body := e.post(tokenPath, url.Values{"grant_type": {g}, "client_id": {DefaultClientID}})
			wantOAuthError(t, resp, body, 400, "unsupported_grant_type", "grant type not supported")
		})
	}
}
