package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
)

// sessionRecord reads the server-side record behind a cookie value.
func sessionRecord(t *testing.T, env *harness.Env, cookie string) *session.Record {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "lo_session", Value: cookie})
	s, err := env.Gateway.SessionFor(context.Background(), req)
	if err != nil {
		t.Fatalf("session record: %v", err)
	}
	return s.Record
}

// introspectActive asks the org (as the ECA) whether a token is still active.
func introspectActive(t *testing.T, env *harness.Env, token string) bool {
	t.Helper()
	form := url.Values{"token": {token}, "token_type_hint": {"refresh_token"},
		"client_id": {env.Config.Sites[0].ECA.ClientID}, "client_secret": {env.Config.Sites[0].ECA.Secret}}
	resp, err := http.Post(env.OrgURL+"/services/oauth2/introspect", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("introspect: %v", err)
	}
	return v.Active
}
