package salesforce

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func oauth2Config(o *org) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: o.srv.URL + "/services/oauth2/authorize", TokenURL: o.srv.URL + PathToken, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  "https://www.example.com/callback.html",
	}
}

func exchangeCtx(o *org) context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, o.srv.Client())
}

func TestTokenFromOAuth2ReadsSalesforceFields(t *testing.T) {
	o := newOrg(t)
	o.handle("POST "+PathToken, jsonAnswer(200, o.webServerTokenBody()))
	ot, err := oauth2Config(o).Exchange(exchangeCtx(o), "aPrxcode%3D%3D", oauth2.VerifierOption("verifier"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	tok, err := TokenFromOAuth2(ot)
	if err != nil {
		t.Fatalf("TokenFromOAuth2: %v", err)
	}
	want := Token{
		AccessToken: testAccessToken, RefreshToken: testRefreshToken, InstanceURL: o.srv.URL,
		ID: o.identityURL(), TokenType: "Bearer", Scope: "web openid refresh_token",
		IDToken: "eyJhbGciOiJSUzI1NiJ9.e30.sig", Signature: sign(testClientSecret, o.identityURL(), testIssuedAt),
		IssuedAt: time.UnixMilli(1712345678901),
	}
	if tok != want {
		t.Errorf("TokenFromOAuth2:\nwant %#v\ngot  %#v", want, tok)
	}
	if !tok.IssuedAt.Equal(time.Date(2024, 4, 5, 19, 34, 38, 901e6, time.UTC)) {
		t.Errorf("IssuedAt: wanted 2024-04-05T19:34:38.901Z from the ms string, got %s", tok.IssuedAt.UTC())
	}
	if err := VerifySignature(tok, testClientSecret); err != nil {
		t.Errorf("VerifySignature with the right secret: wanted nil, got %v", err)
	}
	org, user, err := tok.OrgAndUserID()
	if err != nil || org != testOrgID || user != testUserID {
		t.Errorf("OrgAndUserID: wanted %s %s, got %q %q %v", testOrgID, testUserID, org, user, err)
	}
	if !tok.HasScope("web") || tok.HasScope("api") {
		t.Errorf("HasScope: wanted web granted and api not, scope is %q", tok.Scope)
	}
}

func TestTokenFromOAuth2RefusesIncompleteAnswers(t *testing.T) {
	cases := []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"an answer without instance_url is refused", map[string]any{"id": "https://x/id/a/b"}, "no instance_url"},
		{"an issued_at that is not milliseconds is refused", map[string]any{"instance_url": "https://acme.my.salesforce.com", "issued_at": "yesterday"}, "issued_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ot := (&oauth2.Token{AccessToken: "x", TokenType: "Bearer"}).WithExtra(c.extra)
			_, err := TokenFromOAuth2(ot)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("wanted an error mentioning %q, got %v", c.want, err)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	good := Token{ID: "https://login.salesforce.com/id/00D/005", IssuedAt: time.UnixMilli(1712345678901)}
	good.Signature = sign(testClientSecret, good.ID, testIssuedAt)
	tampered := good
	tampered.ID = "https://login.salesforce.com/id/00D/006"
	cases := []struct {
		name   string
		tok    Token
		secret string
		ok     bool
	}{
		{"a signature made with the client secret verifies", good, testClientSecret, true},
		{"a signature checked with another secret fails", good, "other-secret", false},
		{"a changed identity URL fails", tampered, testClientSecret, false},
		{"a missing signature fails", Token{ID: good.ID, IssuedAt: good.IssuedAt}, testClientSecret, false},
		{"an empty secret fails", good, "", false},
		{"a non-Base64 signature fails", Token{ID: good.ID, IssuedAt: good.IssuedAt, Signature: "%%%"}, testClientSecret, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifySignature(c.tok, c.secret)
			if (err == nil) != c.ok {
				t.Errorf("wanted ok=%v, got %v", c.ok, err)
			}
			if err != nil {
				assertNoSecret(t, "VerifySignature error", err.Error())
			}
		})
	}
}

func TestErrorFromOAuth2MapsRetrieveErrors(t *testing.T) {
	o := newOrg(t)
	o.handle("POST "+PathToken, jsonAnswer(400, `{"error":"invalid_grant","error_description":"expired access/refresh token"}`))
	_, err := oauth2Config(o).TokenSource(exchangeCtx(o), &oauth2.Token{RefreshToken: testRefreshToken}).Token()
	if err == nil {
		t.Fatal("refresh with a dead refresh token: wanted an error, got none")
	}
	mapped := ErrorFromOAuth2(err)
	e, ok := AsError(mapped)
	if !ok {
		t.Fatalf("ErrorFromOAuth2: wanted *Error, got %T %v", mapped, mapped)
	}
	want := Error{Endpoint: "token", Status: 400, Code: "invalid_grant", Description: "expired access/refresh token"}
	if *e != want {
		t.Errorf("ErrorFromOAuth2: wanted %+v, got %+v", want, *e)
	}
	if !IsInvalidGrant(mapped) || IsBadToken(mapped) || IsTransient(mapped) {
		t.Errorf("a dead refresh token: wanted IsInvalidGrant only, got invalid=%v bad=%v transient=%v", IsInvalidGrant(mapped), IsBadToken(mapped), IsTransient(mapped))
	}
	if !strings.Contains(e.Hint(), "Refresh Token Policy") {
		t.Errorf("Hint: wanted the refresh token policy named, got %q", e.Hint())
	}
	other := errors.New("plain")
	if ErrorFromOAuth2(other) != other || ErrorFromOAuth2(nil) != nil {
		t.Error("ErrorFromOAuth2: wanted non-RetrieveErrors returned unchanged")
	}
}

func TestJWTBearer(t *testing.T) {
	o := newOrg(t)
	// The JWT answer from Salesforce's docs: no refresh token, no issued_at/signature.
	o.handle("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			jsonAnswer(400, `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`)(w, r)
			return
		}
		if r.Form.Get("assertion") != "good.assertion.value" {
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"invalid assertion"}`)(w, r)
			return
		}
		jsonAnswer(200, `{"access_token":"`+testAccessToken+`","scope":"web api","instance_url":"`+o.srv.URL+`","id":"`+o.identityURL()+`","token_type":"Bearer"}`)(w, r)
	})
	c := o.client()
	tok, err := c.JWTBearer(context.Background(), "good.assertion.value")
	if err != nil {
		t.Fatalf("JWTBearer: %v", err)
	}
	if tok.AccessToken != testAccessToken || tok.RefreshToken != "" || !tok.IssuedAt.IsZero() || tok.Scope != "web api" {
		t.Errorf("JWTBearer: wanted the access token, no refresh token, zero IssuedAt; got %v", tok)
	}
	if got := o.requests()[0].Form; got.Get("client_secret") != "" || got.Get("scope") != "" {
		t.Errorf("JWTBearer form: wanted no client_secret and no scope, got %v", got)
	}

	_, err = c.JWTBearer(context.Background(), "bad.assertion.value-that-is-long")
	e, ok := AsError(err)
	if !ok || e.Code != "invalid_grant" || e.Description != "invalid assertion" || e.Grant != GrantJWTBearer || e.Status != 400 {
		t.Fatalf("JWTBearer with a bad assertion: wanted *Error invalid_grant/invalid assertion/jwt-bearer, got %#v", err)
	}
	if !strings.Contains(e.Hint(), "signin.jwt.key_file") {
		t.Errorf("Hint: wanted signin.jwt.key_file named, got %q", e.Hint())
	}
	if strings.Contains(err.Error(), "bad.assertion") {
		t.Errorf("error string contains the assertion: %q", err.Error())
	}
}

func TestClientCredentials(t *testing.T) {
	o := newOrg(t)
	o.handle("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("client_secret") != testClientSecret {
			jsonAnswer(400, `{"error":"invalid_client","error_description":"invalid client credentials"}`)(w, r)
			return
		}
		jsonAnswer(200, `{"access_token":"`+testAccessToken+`","signature":"`+sign(testClientSecret, o.identityURL(), testIssuedAt)+`","scope":"api","instance_url":"`+o.srv.URL+`","id":"`+o.identityURL()+`","token_type":"Bearer","issued_at":"`+testIssuedAt+`"}`)(w, r)
	})
	c := o.client()
	tok, err := c.ClientCredentials(context.Background(), "api")
	if err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	if err := VerifySignature(tok, testClientSecret); err != nil {
		t.Errorf("ClientCredentials answer signature: %v", err)
	}
	f := o.requests()[0].Form
	if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != testClientID || f.Get("scope") != "api" {
		t.Errorf("ClientCredentials form: wanted grant_type, client_id, scope=api, got %v", f)
	}

	c.ClientSecret = "wrong-secret-value"
	_, err = c.ClientCredentials(context.Background(), "")
	e, ok := AsError(err)
	if !ok || e.Code != "invalid_client" || !strings.Contains(e.Hint(), "Consumer Key and Secret") {
		t.Errorf("wrong secret: wanted invalid_client with a hint naming Consumer Key and Secret, got %v", err)
	}
	assertNoSecret(t, "ClientCredentials error", err.Error())
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error contains the secret sent: %q", err.Error())
	}
}

func TestTokenEndpointHTTPClientIsRequired(t *testing.T) {
	c := &Client{BaseURL: "https://acme.my.salesforce.com", ClientID: "x"}
	if _, err := c.JWTBearer(context.Background(), "a.b.c"); err == nil || !strings.Contains(err.Error(), "Client.HTTP is nil") {
		t.Errorf("wanted an error naming Client.HTTP, got %v", err)
	}
}
