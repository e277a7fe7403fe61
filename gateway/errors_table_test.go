package gateway

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/templates"
)

var (
	sfError  = salesforce.Error{Endpoint: "singleaccess", Status: 400, Code: "Invalid_Scope", Description: "missing web scope"}
	idpError = auth.IdPError{Code: "invalid_client", Description: "unknown client"}
	orgDown  = salesforce.Error{Endpoint: "token", Status: 503, Code: "server_error"}
	unmapped = auth.UnmappedUser{Claim: "email"}
)

// failureCases is every machine code, each as a handler produces it: through
// its constructor where it has one, else as the handler's literal (status,
// code, hint).
func failureCases() []struct {
	name string
	f    *failure
} {
	cause := errors.New("the cause")
	return []struct {
		name string
		f    *failure
	}{
		{"a panic", internalError(nil)},
		{"a host no site serves", unknownHost()},
		{"a path nothing serves", notFound()},
		{"a form that cannot be read", badRequest(http.StatusUnsupportedMediaType, "Send a form.", cause)},
		{"a relay path with dot segments", &failure{Status: http.StatusBadRequest, Code: codeBadPath, Heading: "Bad request", Message: "This API path is not allowed."}},
		{"a sign-out from another page", &failure{Status: http.StatusForbidden, Code: codeCSRF, Heading: "Sign-out refused", Message: "Open the sign-out page.", Retry: pathLogout}},
		{"a cross-site write refused", &failure{Status: http.StatusForbidden, Code: codeCrossSite, Heading: "Request refused", Message: "Not from another site.", Hint: "add its origin to trusted_domains"}},
		{"an untrusted origin", originNotTrusted(onlyTrusted, "add the calling page's origin to trusted_domains")},
		{"the session store down", storeUnavailable(cause)},
		{"a protected API signed out", signinRequired(signinURL("/api/x"))},
		{"the org ended the session", sessionEnded(cause)},
		{"frontdoor signed out", &failure{Status: http.StatusUnauthorized, Code: codeNoOrgFound, Heading: "Not signed in", Message: "Not signed in: sign in first.", LoginURL: pathLogin, Script: true}},
		{"frontdoor too often", &failure{Status: http.StatusTooManyRequests, Code: codeRateLimited, Heading: "Too many frontdoor URLs", Message: "Wait and retry.", Script: true}},
		{"frontdoor by PUT", &failure{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed, Heading: "Method not allowed", Message: "Use GET", Script: true}},
		{"frontdoor refused by the org", frontdoorFailed(&sfError)},
		{"frontdoor with the org down", frontdoorFailed(cause)},
		{"the upstream down", upstreamUnavailable(http.StatusBadGateway, "/app", cause)},
		{"the upstream too slow", upstreamUnavailable(http.StatusGatewayTimeout, "/app", cause)},
		{"the org down at sign-in", orgFailed(&orgDown, signinURL("/"))},
		{"an untrustworthy org answer", orgFailed(cause, signinURL("/"))},
		{"the org refusing the site", orgFailed(&sfError, "")},
		{"the IdP refusing the site", signinRefusal(&idpError, "")},
		{"a framed sign-in", &failure{Status: http.StatusBadRequest, Code: codeFramedSignin, Heading: "Sign-in opens in its own window", Message: "Use the chat's Sign in button."}},
		{"a malformed popup state", &failure{Status: http.StatusBadRequest, Code: codeBadPopupState, Heading: "Sign-in could not start", Message: "Reload it."}},
		{"an untrusted opener", &failure{Status: http.StatusBadRequest, Code: codeUntrustedOpener, Heading: "Sign-in not allowed from that page", Message: "Not trusted.", Hint: "add the page's origin to trusted_domains"}},
		{"a callback without its flow", &failure{Status: http.StatusBadRequest, Code: codeFlowExpired, Heading: "This sign-in link has expired", Message: "Start again.", Retry: signinURL("/"), Err: cause}},
		{"a callback without a code", &failure{Status: http.StatusBadRequest, Code: codeNoCode, Heading: "Sign-in failed", Message: "Start again.", Retry: signinURL("/")}},
		{"a spent code", codeExpired("", signinURL("/"), cause)},
		{"an unknown org redirect error", orgRedirectError("server_error", "boom", signinURL("/"))},
		{"the visitor cancelled", orgRedirectError("access_denied", "", signinURL("/"))},
		{"the app not permitted", orgRedirectError("OAUTH_APP_ACCESS_DENIED", "", signinURL("/"))},
		{"an unmapped IdP user", signinRefusal(&unmapped, "")},
		{"a wrong callback URL", orgRedirectError("redirect_uri_mismatch", "", signinURL("/"))},
		{"an unknown client", orgRedirectError("invalid_client_id", "", signinURL("/"))},
		{"a scope not granted", orgRedirectError("invalid_scope", "", signinURL("/"))},
		{"a prompt=none sign-in", orgRedirectError("immediate_unsuccessful", "", signinURL("/"))},
		{"an inactive user", orgRedirectError("inactive_user", "", signinURL("/"))},
		{"an inactive org", orgRedirectError("inactive_org", "", signinURL("/"))},
		{"too many sign-ins", orgRedirectError("rate_limit_exceeded", "", signinURL("/"))},
		{"another org's user", &failure{Status: http.StatusForbidden, Code: codeWrongOrg, Heading: "You are not allowed to use this site", Message: "Wrong org.", Hint: "the identity's org is not org.org_id", Retry: signinURL("/")}},
		{"a spent hand-off", &failure{Status: http.StatusBadRequest, Code: codeHandoffInvalid, Heading: "Sign-in expired", Message: "Sign in again.", LoginURL: pathLogin}},
		{"forward auth from an untrusted peer", &failure{Status: http.StatusForbidden, Code: codeForwardAuthUntrustedPeer, Heading: "Not allowed", Message: "Only the proxy.", Hint: "add the front proxy's address to trusted_proxies"}},
		{"forward auth naming two sites", &failure{Status: http.StatusBadRequest, Code: codeForwardAuthHostMismatch, Heading: "Bad request", Message: "Two sites.", Hint: "send the site's own host"}},
		{"forward auth without a URI", &failure{Status: http.StatusBadRequest, Code: codeForwardAuthNoURI, Heading: "Bad request", Message: "No URI.", Hint: "send X-Original-URI"}},
	}
}

func TestEveryFailureCodeRendersWithItsStatusCodeAndRequestID(t *testing.T) {
	cases := failureCases()
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.f.Code] = true
	}
	for _, code := range declaredCodes(t) {
		if !covered[code] {
			t.Errorf("code %s has no row in failureCases", code)
		}
	}
	tr, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		for _, dev := range []bool{false, true} {
			for _, accept := range []string{"text/html", "application/json"} {
				name := tc.name + " answers " + tc.f.Code + " to " + accept
				if dev {
					name += " in dev mode"
				}
				t.Run(name, func(t *testing.T) {
					g := &Gateway{deps: Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Templates: tr}}
					if dev {
						g.deps.DevOrgURL = "http://devorg.test"
					}
					checkRendered(t, g, tc.f, accept, dev)
				})
			}
		}
	}
}

func checkRendered(t *testing.T, g *Gateway, f *failure, accept string, dev bool) {
	t.Helper()
	const rid = "rid-table-1"
	r := httptest.NewRequest(http.MethodGet, "https://site.test/x", nil)
	r.Header.Set("Accept", accept)
	w := httptest.NewRecorder()
	g.writeFailure(w, r, nil, rid, f)
	if w.Code != f.Status {
		t.Errorf("status %d, want %d", w.Code, f.Status)
	}
	if f.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		t.Error("a 503 without Retry-After")
	}
	body := w.Body.String()
	wantJSON := f.Script || accept == "application/json"
	ct := w.Header().Get("Content-Type")
	if wantJSON {
		if !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q, want JSON", ct)
		}
		var b errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if b.Error != f.Code || b.Status != f.Status || b.RequestID != rid || b.Message == "" || b.Reason != f.Reason || b.LoginURL != f.LoginURL {
			t.Errorf("body %+v, want error %s, status %d, requestId %s, a message, reason %q, loginUrl %q", b, f.Code, f.Status, rid, f.Reason, f.LoginURL)
		}
		if want := f.Hint; (dev && b.Hint != want) || (!dev && b.Hint != "") {
			t.Errorf("hint %q, want %q (dev mode %v)", b.Hint, want, dev)
		}
		return
	}
	if !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want an HTML page", ct)
	}
	if !strings.Contains(body, rid) || !strings.Contains(body, strconv.Itoa(f.Status)) || !strings.Contains(body, template.HTMLEscapeString(f.Heading)) {
		t.Errorf("page lacks the request id %s, the status %d or the heading %q:\n%s", rid, f.Status, f.Heading, body)
	}
	if f.Hint != "" {
		if shown := strings.Contains(body, template.HTMLEscapeString(f.Hint)); shown != dev {
			t.Errorf("hint %q shown = %v, want %v (dev mode only)", f.Hint, shown, dev)
		}
	}
}

// declaredCodes reads the code constants of errors.go, so a new code without
// a row fails the test.
func declaredCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if strings.HasPrefix(n.Name, "code") {
					v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					codes = append(codes, v)
				}
			}
		}
	}
	if len(codes) < 30 {
		t.Fatalf("found %d codes in errors.go; the parse went wrong", len(codes))
	}
	return codes
}
