package salesforce

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRevoke(t *testing.T) {
	o := newOrg(t)
	o.handle("POST "+PathRevoke, func(w http.ResponseWriter, r *http.Request) {
		switch r.Form.Get("token") {
		case testRefreshToken:
			w.WriteHeader(200)
		default:
			jsonAnswer(400, `{"error":"invalid_token","error_description":"token was invalid"}`)(w, r)
		}
	})
	c := o.client()
	if err := c.Revoke(context.Background(), testRefreshToken); err != nil {
		t.Errorf("Revoke of a known token: wanted nil, got %v", err)
	}
	rq := o.requests()[0]
	if rq.ContentType != "application/x-www-form-urlencoded" || rq.Form.Get("token") != testRefreshToken {
		t.Errorf("Revoke request: wanted a form with token, got %+v", rq)
	}
	err := c.Revoke(context.Background(), "unknown-token-value")
	e, ok := AsError(err)
	if !ok || e.Endpoint != "revoke" || e.Status != 400 || e.Code != "invalid_token" || e.Description != "token was invalid" {
		t.Errorf("Revoke of an unknown token: wanted *Error revoke/400/invalid_token, got %#v", err)
	}
}

func TestIntrospect(t *testing.T) {
	o := newOrg(t)
	o.handle("POST "+PathIntrospect, func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("client_id") != testClientID || r.Form.Get("client_secret") != testClientSecret {
			jsonAnswer(401, `{"error":"invalid_client","error_description":"invalid client credentials"}`)(w, r)
			return
		}
		if r.Form.Get("token") != testAccessToken {
			jsonAnswer(200, `{"active":false}`)(w, r)
			return
		}
		jsonAnswer(200, `{"active":true,"scope":"api web refresh_token","client_id":"`+testClientID+`","username":"u@x.com","sub":"https://login.salesforce.com/id/00D/005","token_type":"access_token","exp":1712349278,"iat":1712342078,"nbf":1712342078}`)(w, r)
	})
	c := o.client()
	in, err := c.Introspect(context.Background(), testAccessToken, "access_token")
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	want := Introspection{Active: true, Exp: time.Unix(1712349278, 0), Iat: time.Unix(1712342078, 0), Scope: "api web refresh_token", Username: "u@x.com", Sub: "https://login.salesforce.com/id/00D/005", ClientID: testClientID, TokenType: "access_token"}
	if in != want {
		t.Errorf("Introspect active:\nwant %+v\ngot  %+v", want, in)
	}
	if h := o.requests()[0].Form.Get("token_type_hint"); h != "access_token" {
		t.Errorf("token_type_hint: wanted access_token, got %q", h)
	}
	in, err = c.Introspect(context.Background(), "dead-token-value", "")
	if err != nil || in.Active || !in.Exp.IsZero() {
		t.Errorf("Introspect inactive: wanted {Active:false}, got %+v %v", in, err)
	}
	c.ClientSecret = "wrong-secret-value"
	_, err = c.Introspect(context.Background(), testAccessToken, "")
	if e, ok := AsError(err); !ok || e.Code != "invalid_client" || e.Status != 401 {
		t.Errorf("Introspect with a wrong secret: wanted invalid_client/401, got %v", err)
	}
}

func TestUserInfo(t *testing.T) {
	o := newOrg(t)
	o.handle("GET "+PathUserInfo, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testAccessToken {
			textAnswer(403, "Bad_OAuth_Token")(w, r)
			return
		}
		jsonAnswer(200, `{"sub":"`+o.identityURL()+`","user_id":"`+testUserID+`","organization_id":"`+testOrgID+`","preferred_username":"ada@acme.com","nickname":"ada","name":"Ada Lovelace","email":"ada@example.com","email_verified":true,"given_name":"Ada","family_name":"Lovelace","zoneinfo":"Europe/London","photos":{"picture":"p","thumbnail":"t"},"active":true,"user_type":"STANDARD","language":"en_US","locale":"en_GB","utcOffset":0,"updated_at":"2024-04-05T19:34:38Z","is_app_installed":true,"urls":{"rest":"x"}}`)(w, r)
	})
	c := o.client()
	c.BaseURL = "https://login.invalid" // userinfo goes to the instance, not the login host
	ui, err := c.UserInfo(context.Background(), o.srv.URL, testAccessToken)
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	want := UserInfo{Sub: o.identityURL(), UserID: testUserID, OrgID: testOrgID, PreferredUsername: "ada@acme.com", Name: "Ada Lovelace", Email: "ada@example.com", Nickname: "ada"}
	if ui != want {
		t.Errorf("UserInfo:\nwant %+v\ngot  %+v", want, ui)
	}
	_, err = c.UserInfo(context.Background(), o.srv.URL, "expired-token-value")
	e, ok := AsError(err)
	if !ok || e.Code != "Bad_OAuth_Token" || e.Status != 403 || e.Endpoint != "userinfo" {
		t.Fatalf("UserInfo with an expired token: wanted *Error{userinfo 403 Bad_OAuth_Token}, got %#v", err)
	}
	if !IsBadToken(err) {
		t.Error("IsBadToken: wanted true for 403 Bad_OAuth_Token")
	}
}

func TestSecretsStayOutOfFormattingAndLogs(t *testing.T) {
	c := Client{HTTP: http.DefaultClient, BaseURL: "https://acme.my.salesforce.com", ClientID: testClientID, ClientSecret: testClientSecret}
	tok := Token{AccessToken: testAccessToken, RefreshToken: testRefreshToken, InstanceURL: "https://acme.my.salesforce.com"}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "client", c, "token", tok, "clientp", &c)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "client", c, "token", tok)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecret(t, "fmt "+format+" of Client", fmt.Sprintf(format, c))
		assertNoSecret(t, "fmt "+format+" of *Client", fmt.Sprintf(format, &c))
		assertNoSecret(t, "fmt "+format+" of Token", fmt.Sprintf(format, tok))
	}
	assertNoSecret(t, "slog", buf.String())
	if !strings.Contains(fmt.Sprint(c), testClientID) {
		t.Errorf("Client's String: wanted the client id shown, got %q", fmt.Sprint(c))
	}
}
