package gateway

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// failure is the one way a request fails: what the visitor is told, what a
// script reads and what the log records. Handlers build one (the constructors
// below, or a literal for a failure of one place) and hand it to g.fail, the
// one renderer: an error page for a page load, JSON for a script, and the
// request id in both.
type failure struct {
	Status int
	// Code is the stable machine code: JSON "error", log "reason". One style,
	// SCREAMING_SNAKE_CASE, which is the vocabulary of Salesforce's React ACC
	// template helper (NO_ORG_FOUND, FRONTDOOR_FAILED, GATEWAY_ERROR) where a
	// Salesforce client reads the answer. See the code constants below.
	Code string
	// Reason refines Code where one code covers several causes (JSON "reason";
	// FRONTDOOR_FAILED and GATEWAY_ERROR, as the frontdoor helper answers).
	Reason   string
	Heading  string // the page's heading and the log line's message
	Message  string // for the visitor
	Hint     string // for the admin: in the log always, on the page and in JSON in dev mode
	Retry    string // the page's next step; "" offers the site's home page
	LoginURL string // JSON "loginUrl": where a script sends the visitor to sign in
	// Script marks an answer only scripts ask for (the frontdoor helper, a
	// protected API): JSON whatever the request's Accept says.
	Script bool
	Err    error // the cause: logged, never shown
}

// The machine codes. Values tests or clients rely on stay as they were: the
// Salesforce helper's vocabulary, HANDOFF_INVALID (launcher.js), and the one
// code older than the scheme, session_store_unavailable (operators' alerts
// match it in the log).
const (
	codeUnknownHost              = "UNKNOWN_HOST"
	codeNotFound                 = "NOT_FOUND"
	codeInternal                 = "INTERNAL"
	codeBadRequest               = "BAD_REQUEST"
	codeBadPath                  = "BAD_PATH"
	codeCSRF                     = "CSRF"
	codeCrossSite                = "CROSS_SITE"
	codeOriginNotTrusted         = "ORIGIN_NOT_TRUSTED"
	codeStoreUnavailable         = "session_store_unavailable"
	codeAuthenticationRequired   = "AUTHENTICATION_REQUIRED"
	codeAuthenticationFailed     = "AUTHENTICATION_FAILED"
	codeNoOrgFound               = "NO_ORG_FOUND"
	codeRateLimited              = "RATE_LIMITED"
	codeMethodNotAllowed         = "METHOD_NOT_ALLOWED"
	codeFrontdoorFailed          = "FRONTDOOR_FAILED"
	codeGatewayError             = "GATEWAY_ERROR"
	codeUpstreamUnavailable      = "UPSTREAM_UNAVAILABLE"
	codeOrgUnavailable           = "ORG_UNAVAILABLE"
	codeOrgError                 = "ORG_ERROR"
	codeIdPError                 = "IDP_ERROR"
	codeFramedSignin             = "FRAMED_SIGNIN"
	codeBadPopupState            = "BAD_POPUP_STATE"
	codeUntrustedOpener          = "UNTRUSTED_OPENER"
	codeFlowExpired              = "FLOW_EXPIRED"
	codeNoCode                   = "NO_CODE"
	codeCodeExpired              = "CODE_EXPIRED"
	codeSigninFailed             = "SIGNIN_FAILED"
	codeAccessDenied             = "ACCESS_DENIED"
	codeAppAccessDenied          = "APP_ACCESS_DENIED"
	codeUnmappedUser             = "UNMAPPED_USER"
	codeRedirectURIMismatch      = "REDIRECT_URI_MISMATCH"
	codeInvalidClient            = "INVALID_CLIENT"
	codeInvalidScope             = "INVALID_SCOPE"
	codeLoginRequired            = "LOGIN_REQUIRED"
	codeInactiveUser             = "INACTIVE_USER"
	codeInactiveOrg              = "INACTIVE_ORG"
	codeSigninRateLimited        = "SIGNIN_RATE_LIMITED"
	codeWrongOrg                 = "WRONG_ORG"
	codeHandoffInvalid           = "HANDOFF_INVALID"
	codeForwardAuthUntrustedPeer = "FORWARD_AUTH_UNTRUSTED_PEER"
	codeForwardAuthHostMismatch  = "FORWARD_AUTH_HOST_MISMATCH"
	codeForwardAuthNoURI         = "FORWARD_AUTH_NO_URI"
)

// The reasons of FRONTDOOR_FAILED and GATEWAY_ERROR.
const (
	reasonOrgRefused      = "ORG_REFUSED"
	reasonMissingWebScope = "MISSING_WEB_SCOPE"
	reasonOrgUnavailable  = "ORG_UNAVAILABLE"
)

func (f *failure) Error() string {
	msg := strconv.Itoa(f.Status) + " " + f.Code + ": " + f.Heading
	if f.Err != nil {
		msg += ": " + f.Err.Error()
	}
	return msg
}

func (f *failure) Unwrap() error { return f.Err }

// asFailure is err's failure, or a 500 that keeps err as its cause.
func asFailure(err error) *failure {
	if f := new(failure); errors.As(err, &f) {
		return f
	}
	return internalError(err)
}

func internalError(err error) *failure {
	return &failure{Status: http.StatusInternalServerError, Code: codeInternal, Heading: "Something went wrong",
		Message: "The gateway hit an unexpected error. Try again in a moment.", Err: err}
}

func unknownHost() *failure {
	return &failure{Status: http.StatusMisdirectedRequest, Code: codeUnknownHost, Heading: "Unknown site",
		Message: "This gateway does not serve the site you asked for."}
}

func notFound() *failure {
	return &failure{Status: http.StatusNotFound, Code: codeNotFound, Heading: "Not found",
		Message: "There is nothing at this address."}
}

func badRequest(status int, message string, err error) *failure {
	return &failure{Status: status, Code: codeBadRequest, Heading: "Bad request", Message: message, Err: err}
}

func originNotTrusted(message, hint string) *failure {
	return &failure{Status: http.StatusForbidden, Code: codeOriginNotTrusted, Heading: "Origin not trusted",
		Message: message, Hint: hint}
}

// storeUnavailable: the session store is down. Never a sign-out: 503.
func storeUnavailable(err error) *failure {
	return &failure{Status: http.StatusServiceUnavailable, Code: codeStoreUnavailable, Heading: "We'll be right back",
		Message: "The gateway cannot reach its session store just now. You are still signed in; try again in a moment.",
		Hint:    "check the Redis store (session.redis) and " + pathReadyz, Err: err}
}

// sessionEnded: the org ended the visitor's grant; a script signs in again.
func sessionEnded(err error) *failure {
	return &failure{Status: http.StatusUnauthorized, Code: codeAuthenticationFailed, Heading: "Salesforce session ended",
		Message: "Your Salesforce session ended: sign in again.", LoginURL: pathLogin, Script: true, Err: err}
}

// signinRequired answers a script (or a form post) that needs a signed-in visitor.
func signinRequired(login string) *failure {
	return &failure{Status: http.StatusUnauthorized, Code: codeAuthenticationRequired, Heading: "Sign-in required",
		Message: "Sign in to use this resource.", LoginURL: login, Script: true}
}

// storeFailure answers a failed session store and counts it.
func (g *Gateway) storeFailure(c *gin.Context, s *site, err error) {
	g.deps.Metrics.StoreError()
	g.fail(c, s, storeUnavailable(err))
}

// wantsJSON tells scripts from page loads, so fetch() never follows a redirect
// into an HTML page it cannot use.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, pathFrontdoor) || strings.HasPrefix(r.URL.Path, pathSession) || strings.HasPrefix(r.URL.Path, pathBoot) || strings.HasPrefix(r.URL.Path, pathHandoff) {
		return true
	}
	if r.Header.Get("X-Requested-With") != "" {
		return true
	}
	switch r.Header.Get("Sec-Fetch-Mode") {
	case "cors", "same-origin", "no-cors":
		return r.Header.Get("Sec-Fetch-Dest") == "" || r.Header.Get("Sec-Fetch-Dest") == "empty"
	case "navigate":
		return false
	}
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// fail renders err (a *failure; anything else is a 500) for a gin handler and
// stops the chain.
func (g *Gateway) fail(c *gin.Context, s *site, err error) {
	g.writeFailure(c.Writer, c.Request, s, info(c).rid, asFailure(err))
	c.Abort()
}

// errorBody is the JSON of every failure.
type errorBody struct {
	Error     string `json:"error"`
	Reason    string `json:"reason,omitempty"`
	Message   string `json:"message"`
	LoginURL  string `json:"loginUrl,omitempty"`
	Hint      string `json:"hint,omitempty"`
	RequestID string `json:"requestId"`
	Status    int    `json:"status"`
}

// writeFailure is the one renderer: it logs f, then answers with an error page
// or JSON, each with the request id rid. The proxy's error handler calls it
// directly (it has no gin context).
func (g *Gateway) writeFailure(w http.ResponseWriter, r *http.Request, s *site, rid string, f *failure) {
	g.logFailure(r, s, rid, f)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if f.Status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "5")
	}
	devMode := g.deps.DevOrgURL != ""
	if f.Script || wantsJSON(r) {
		body := errorBody{Error: f.Code, Reason: f.Reason, Message: f.Message, LoginURL: f.LoginURL, RequestID: rid, Status: f.Status}
		if devMode {
			body.Hint = f.Hint
		}
		writeJSONTo(w, f.Status, body)
		return
	}
	nonce := trust.NewNonce()
	h.Set("Content-Security-Policy", pageCSP(s).Header(nonce))
	h.Set("Referrer-Policy", "no-referrer")
	data := templates.ErrorData{
		Page:    g.pageFor(rid, s, nonce, f.Heading),
		Status:  f.Status,
		Heading: f.Heading, Message: f.Message,
		RetryURL: f.Retry, RetryLabel: "Try again",
		// A failed callback keeps ?code=…&state=… in the address bar otherwise.
		ScrubQuery: s != nil && r.URL.Path == s.callback && r.URL.RawQuery != "",
	}
	if devMode {
		data.Hint = f.Hint
	}
	switch {
	case data.RetryURL == "":
		data.RetryURL = "/"
		data.RetryLabel = "Back to the site"
	case strings.HasPrefix(data.RetryURL, pathLogin):
		data.RetryLabel = "Sign in again"
	case strings.HasPrefix(data.RetryURL, pathLogout):
		data.RetryLabel = "Open the sign-out page"
	}
	g.renderTo(w, rid, f.Status, "error", data)
}

// logFailure records f: errors for 5xx, warnings when there is a cause or a
// fix for the admin, information otherwise.
func (g *Gateway) logFailure(r *http.Request, s *site, rid string, f *failure) {
	lvl := slog.LevelInfo
	if f.Status >= 500 {
		lvl = slog.LevelError
	} else if f.Err != nil || f.Hint != "" {
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("rid", rid), slog.Int("status", f.Status), slog.String("reason", f.Code)}
	if f.Reason != "" {
		attrs = append(attrs, slog.String("detail", f.Reason))
	}
	if s != nil {
		attrs = append(attrs, slog.String("site", s.name))
	}
	if f.Err != nil {
		attrs = append(attrs, slog.String("err", f.Err.Error()))
	}
	if f.Hint != "" {
		attrs = append(attrs, slog.String("fix", f.Hint))
	}
	g.deps.Logger.LogAttrs(r.Context(), lvl, f.Heading, attrs...)
}
