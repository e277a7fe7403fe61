package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestParseErrorReadsEveryShape(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		wantCode          string
		wantDesc          string
	}{
		{"an OAuth JSON error gives code and description", "application/json", `{"error":"invalid_grant","error_description":"expired authorization code"}`, "invalid_grant", "expired authorization code"},
		{"a REST API error array gives errorCode and message", "application/json", `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, "INVALID_SESSION_ID", "Session expired or invalid"},
		{"a JSON object with errorCode is read too", "application/json", `{"errorCode":"No_Access","message":"no"}`, "No_Access", "no"},
		{"the bare word Bad_OAuth_Token is the code", "text/plain", "Bad_OAuth_Token", "Bad_OAuth_Token", ""},
		{"the bare word Missing_OAuth_Token is the code", "text/plain", "Missing_OAuth_Token\n", "Missing_OAuth_Token", ""},
		{"the bare word Invalid_Scope is the code", "text/plain", "Invalid_Scope", "Invalid_Scope", ""},
		{"the bare word Invalid_Param is the code", "text/plain", "Invalid_Param", "Invalid_Param", ""},
		{"the bare word No_Access is the code", "text/plain", "No_Access", "No_Access", ""},
		{"the bare word Wrong_Org is the code", "text/plain", " Wrong_Org ", "Wrong_Org", ""},
		{"an HTML page becomes a short excerpt", "text/html", "<html><body>\n<h1>Bad gateway</h1></body></html>", "", "unexpected text/html body: <html><body> <h1>Bad gateway</h1></body></html>"},
		{"an empty body leaves code and description empty", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := parseError("singleaccess", 403, c.ctype, []byte(c.body))
			if e.Code != c.wantCode || e.Description != c.wantDesc || e.Status != 403 || e.Endpoint != "singleaccess" {
				t.Errorf("wanted code %q desc %q, got %+v", c.wantCode, c.wantDesc, *e)
			}
		})
	}
}

func TestParseErrorRedactsEchoedSecrets(t *testing.T) {
	e := parseError("token", 400, "application/json", []byte(`{"error":"invalid_grant","error_description":"bad token `+testAccessToken+`"}`), testAccessToken)
	if strings.Contains(e.Error(), testAccessToken) || !strings.Contains(e.Error(), "[redacted]") {
		t.Errorf("wanted the echoed token replaced by [redacted], got %q", e.Error())
	}
	long := parseError("token", 502, "text/html", []byte(strings.Repeat("é", 400)))
	if n := len([]rune(long.Description)); n > 200 {
		t.Errorf("wanted a short excerpt of an unexpected body, got %d runes", n)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Endpoint: "token", Grant: GrantJWTBearer, Status: 400, Code: "invalid_grant", Description: "audience is invalid"}
	want := "salesforce token (jwt-bearer): HTTP 400: invalid_grant: audience is invalid"
	if e.Error() != want {
		t.Errorf("Error(): wanted %q, got %q", want, e.Error())
	}
	wrapped := fmt.Errorf("signing in: %w", e)
	if got, ok := AsError(wrapped); !ok || got != e {
		t.Errorf("AsError through a wrap: wanted the same *Error, got %v %v", got, ok)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorClassification(t *testing.T) {
	cases := []struct {
		name                      string
		err                       error
		invalidGrant, bad, transi bool
	}{
		{"invalid_grant ends the session", &Error{Status: 400, Code: "invalid_grant"}, true, false, false},
		{"Bad_OAuth_Token (403) asks for a refresh", &Error{Status: 403, Code: "Bad_OAuth_Token"}, false, true, false},
		{"INVALID_SESSION_ID (401) asks for a refresh", &Error{Status: 401, Code: "INVALID_SESSION_ID"}, false, true, false},
		{"a bare 401 asks for a refresh", &Error{Status: 401}, false, true, false},
		{"Invalid_Scope does not ask for a refresh", &Error{Status: 403, Code: "Invalid_Scope"}, false, false, false},
		{"Missing_OAuth_Token does not ask for a refresh", &Error{Status: 401, Code: "Missing_OAuth_Token"}, false, false, false},
		{"a bare 403 elsewhere does not ask for a refresh", &Error{Endpoint: "userinfo", Status: 403}, false, false, false},
		{"a bare 403 from singleaccess asks for a refresh", &Error{Endpoint: "singleaccess", Status: 403}, false, true, false},
		{"a 401 with an unknown word from singleaccess asks for a refresh", &Error{Endpoint: "singleaccess", Status: 401, Code: "Session_Expired"}, false, true, false},
		{"a bare 403 from lightningoutsingleaccess asks for a refresh", &Error{Endpoint: "lightningoutsingleaccess", Status: 403}, false, true, false},
		{"Invalid_Scope from singleaccess does not ask for a refresh", &Error{Endpoint: "singleaccess", Status: 403, Code: "Invalid_Scope"}, false, false, false},
		{"No_Access from singleaccess does not ask for a refresh", &Error{Endpoint: "singleaccess", Status: 403, Code: "No_Access"}, false, false, false},
		{"Invalid_Param from singleaccess does not ask for a refresh", &Error{Endpoint: "singleaccess", Status: 403, Code: "Invalid_Param"}, false, false, false},
		{"a 400 from singleaccess does not ask for a refresh", &Error{Endpoint: "singleaccess", Status: 400}, false, false, false},
		{"HTTP 503 is transient", &Error{Status: 503}, false, false, true},
		{"HTTP 429 is transient", &Error{Status: 429}, false, false, true},
		{"server_error is transient", &Error{Status: 400, Code: "server_error"}, false, false, true},
		{"a transport failure is transient", &transportError{endpoint: "token", err: errors.New("connection refused")}, false, false, true},
		{"a net timeout is transient", fmt.Errorf("x: %w", timeoutErr{}), false, false, true},
		{"a dial error is transient", &net.OpError{Op: "dial", Err: errors.New("refused")}, false, false, true},
		{"a deadline is transient", context.DeadlineExceeded, false, false, true},
		{"a cancelled context is not transient", fmt.Errorf("x: %w", context.Canceled), false, false, false},
		{"nil is nothing", nil, false, false, false},
		{"a plain error is nothing", errors.New("bad config"), false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsInvalidGrant(c.err); got != c.invalidGrant {
				t.Errorf("IsInvalidGrant: wanted %v, got %v", c.invalidGrant, got)
			}
			if got := IsBadToken(c.err); got != c.bad {
				t.Errorf("IsBadToken: wanted %v, got %v", c.bad, got)
			}
			if got := IsTransient(c.err); got != c.transi {
				t.Errorf("IsTransient: wanted %v, got %v", c.transi, got)
			}
		})
	}
}

func TestHint(t *testing.T) {
	cases := []struct {
		name string
		err  Error
		want string // a phrase the admin needs to see
	}{
		{"redirect_uri_mismatch names the ECA Callback URL", Error{Code: "redirect_uri_mismatch", Description: "redirect_uri must match configuration"}, "Callback URL in the External Client App must be exactly"},
		{"invalid_client names the consumer secret screen", Error{Code: "invalid_client", Description: "invalid client credentials"}, "client secret wrong (ECA → OAuth Settings → Consumer Key and Secret)"},
		{"invalid_client for an uninstalled app says install", Error{Code: "invalid_client", Description: "app must be installed into org"}, "not installed"},
		{"invalid_client_id names eca.client_id", Error{Code: "invalid_client_id", Description: "client identifier invalid"}, "eca.client_id"},
		{"invalid_app_access names Permitted Users", Error{Code: "invalid_app_access", Description: "user is not admin approved to access this app"}, "Policies → Permitted Users"},
		{"OAUTH_APP_ACCESS_DENIED names Permitted Users", Error{Code: "OAUTH_APP_ACCESS_DENIED"}, "Permitted Users"},
		{"an unapproved consumer asks for pre-authorization", Error{Code: "invalid_grant", Description: "user hasn't approved this consumer"}, "pre-authorized"},
		{"a bad audience names signin.jwt.audience", Error{Code: "invalid_grant", Description: "audience is invalid"}, "signin.jwt.audience"},
		{"the documented audience wording names signin.jwt.audience", Error{Code: "invalid_grant", Description: "Audience validation failed"}, "signin.jwt.audience"},
		{"an expired JWT names the clock", Error{Code: "invalid_grant", Description: "expired authorization code", Grant: GrantJWTBearer}, "clock"},
		{"an expired code says sign in again", Error{Code: "invalid_grant", Description: "expired authorization code", Grant: GrantAuthorizationCode}, "already used or is older than 15 minutes"},
		{"an invalid assertion names the certificate and key file", Error{Code: "invalid_grant", Description: "invalid assertion"}, "certificate uploaded to the ECA (OAuth Settings → Enable JWT Bearer Flow) does not match signin.jwt.key_file"},
		{"a dead refresh token names the refresh token policy", Error{Code: "invalid_grant", Description: "expired access/refresh token"}, "Refresh Token Policy"},
		{"an IP restriction names IP Relaxation", Error{Code: "invalid_grant", Description: "ip restricted"}, "IP Relaxation"},
		{"client credentials without a run-as user names Run As", Error{Code: "invalid_grant", Description: "no client credentials user enabled"}, "Run As"},
		{"no valid scopes names Selected OAuth Scopes", Error{Code: "invalid_grant", Description: "no valid scopes defined"}, "Selected OAuth Scopes"},
		{"any other invalid_grant says sign in again", Error{Code: "invalid_grant", Description: "something new"}, "sign in again"},
		{"Invalid_Scope asks for web or full", Error{Code: "Invalid_Scope"}, "web (or full) scope"},
		{"invalid_scope names eca.scopes", Error{Code: "invalid_scope"}, "eca.scopes"},
		{"Bad_OAuth_Token says expired or revoked", Error{Code: "Bad_OAuth_Token"}, "expired or revoked"},
		{"a differently cased Bad_OAuth_Token still matches", Error{Code: "BAD_OAUTH_TOKEN"}, "expired or revoked"},
		{"INVALID_SESSION_ID says expired or revoked", Error{Code: "INVALID_SESSION_ID"}, "expired or revoked"},
		{"Missing_OAuth_Token says a bug", Error{Code: "Missing_OAuth_Token"}, "gateway bug"},
		{"Invalid_Param says relative path", Error{Code: "Invalid_Param"}, "relative"},
		{"No_Access names API Only User", Error{Code: "No_Access"}, "API Only User"},
		{"Wrong_Org names org.my_domain", Error{Code: "Wrong_Org"}, "org.my_domain"},
		{"inactive_user names Setup → Users", Error{Code: "inactive_user"}, "Setup → Users"},
		{"inactive_org says locked", Error{Code: "inactive_org"}, "locked"},
		{"unsupported_grant_type names Flow Enablement", Error{Code: "unsupported_grant_type", Description: "grant type not supported"}, "Flow Enablement"},
		{"app_not_found suggests the My Domain audience", Error{Code: "app_not_found"}, "My Domain"},
		{"the uninstalled-ECA wording says install", Error{Description: "External client app is not installed in this org"}, "install it"},
		{"access_denied says the user denied", Error{Code: "access_denied", Description: "end-user denied authorization"}, "Deny"},
		{"a 503 without a code says retry", Error{Status: 503}, "retry later"},
		{"a 404 without a code names org.my_domain", Error{Endpoint: "singleaccess", Status: 404}, "org.my_domain"},
		{"an unknown code is named", Error{Status: 400, Code: "brand_new_error"}, `"brand_new_error"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.err.Hint(); !strings.Contains(got, c.want) {
				t.Errorf("Hint(%s/%s): wanted it to contain %q, got %q", c.err.Code, c.err.Description, c.want, got)
			}
		})
	}
}
