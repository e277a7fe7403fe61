package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

var allowedPrompts = map[string]bool{"login": true, "consent": true, "select_account": true, "login consent": true}

// login starts a sign-in: a flow cookie holding state, nonce and verifier, then a
// redirect to the org (or the company IdP in the JWT bearer flow).
func (g *Gateway) login(c *gin.Context) {
	s := info(c).site
	q := c.Request.URL.Query()
	if framed(c.Request) {
		// The org refuses to be framed; a framed page signs in through a popup.
		g.fail(c, s, http.StatusBadRequest, failure{
			Reason: "framed_signin", Heading: "Sign-in opens in its own window",
			Message: "Signing in cannot happen inside a frame. Use the chat's Sign in button, which opens a sign-in window.",
		})
		return
	}
	rd := s.policy.SafeRedirect(q.Get("rd"))
	popup := q.Get("popup") == "1"
	opener := ""
	handoff := ""
	if popup {
		if ps := q.Get("ps"); ps != "" {
			if !auth.ValidPopupState(ps) {
				g.fail(c, s, http.StatusBadRequest, failure{Reason: "bad_popup_state", Heading: "Sign-in could not start",
					Message: "The page that asked to sign you in sent a malformed request. Reload it and try again."})
				return
			}
			handoff = ps
		}
		opener = s.origin
		if o := q.Get("origin"); o != "" {
			if !s.policy.IsTrusted(o) {
				g.fail(c, s, http.StatusBadRequest, failure{
					Reason: "untrusted_opener", Heading: "Sign-in not allowed from that page",
					Message: "The page that asked to sign you in is not one this site trusts.",
					Hint:    "add the page's origin to trusted_domains if it should embed the chat",
				})
				return
			}
			o2, _ := trust.ParseOrigin(o)
			opener = o2.String()
		}
	}
	extra := map[string]string{}
	if p := q.Get("prompt"); allowedPrompts[p] {
		extra["prompt"] = p
	} else if p := s.cfg.Signin.Prompt; p != "" {
		extra["prompt"] = p
	}
	if h := q.Get("login_hint"); h != "" && len(h) <= 256 && printable(h) {
		extra["login_hint"] = h
	}
	fs := auth.NewFlowState(rd, popup, opener)
	fs.Handoff = handoff
	target, err := s.signin.AuthCodeURL(c.Request.Context(), fs, extra)
	if err != nil {
		g.orgFailure(c, s, "signin_start", err)
		return
	}
	s.flows.Prune(c.Writer, c.Request)
	if err := s.flows.Write(c.Writer, fs); err != nil {
		g.fail(c, s, http.StatusInternalServerError, failure{Reason: "internal", Heading: "Sign-in could not start", Message: "Try again in a moment.", Err: err})
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusFound, target)
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// orgAuthErrors explains what the org said on the redirect, visitor first, admin
// second. Codes from docs/salesforce.md §1.3.
var orgAuthErrors = map[string]failure{
	"access_denied": {Reason: "access_denied", Heading: "Sign-in cancelled",
		Message: "You chose not to allow access, so you are not signed in. You can try again whenever you like."},
	"OAUTH_APP_ACCESS_DENIED": {Reason: "app_access_denied", Heading: "You are not allowed to use this app",
		Message: "Your Salesforce user is not permitted to use this app. Ask your administrator for access.",
		Hint:    "ECA → Policies → Permitted Users is 'Admin approved users are pre-authorized': assign the user's profile or a permission set to the app"},
	"redirect_uri_mismatch": {Reason: "redirect_uri_mismatch", Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service refused this site's return address.",
		Hint:    "the ECA's Callback URL must be exactly the gateway's callback URL (see `logateway check`)"},
	"invalid_client_id": {Reason: "invalid_client", Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service does not know this site.",
		Hint:    "eca.client_id does not match the ECA's Consumer Key, or the ECA is not installed in this org"},
	"invalid_scope": {Reason: "invalid_scope", Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service refused the access this site asked for.",
		Hint:    "every scope in eca.scopes must be selected in the ECA's OAuth scopes"},
	"immediate_unsuccessful": {Reason: "login_required", Heading: "Please sign in",
		Message: "You need to sign in to continue."},
	"inactive_user": {Reason: "inactive_user", Heading: "Your user is inactive",
		Message: "Your Salesforce user is deactivated. Ask your administrator."},
	"inactive_org": {Reason: "inactive_org", Heading: "The organization is unavailable",
		Message: "The Salesforce organization is locked, closed or suspended."},
	"rate_limit_exceeded": {Reason: "rate_limited", Heading: "Too many sign-ins",
		Message: "Too many sign-ins in a short time. Wait a little and try again."},
}

// callback finishes the web server flow. The state is checked FIRST: a callback
// without the matching flow cookie never reaches the org.
func (g *Gateway) callback(c *gin.Context, s *site) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	q := c.Request.URL.Query()
	retry := "/__lo/login?rd=" + url.QueryEscape("/")
	fs, err := s.flows.Take(c.Writer, c.Request, q.Get("state"))
	if err != nil {
		g.deps.Metrics.Signin(s.flow, "failed")
		g.fail(c, s, http.StatusBadRequest, failure{
			Reason: "flow_expired", Heading: "This sign-in link has expired or was already used",
			Message: "For your safety each sign-in link works once, in the browser that started it, for ten minutes. Start again to sign in.",
			Retry:   retry, Err: err,
		})
		return
	}
	retry = "/__lo/login?rd=" + url.QueryEscape(fs.Redirect)
	if fs.Popup {
		retry += "&popup=1&origin=" + url.QueryEscape(fs.Opener)
		if fs.Handoff != "" {
			// A retry in this popup still ends in a hand-off to the same opener,
			// which keeps waiting for the code with this state.
			retry += "&ps=" + url.QueryEscape(fs.Handoff)
		}
	}
	if code := q.Get("error"); code != "" {
		g.deps.Metrics.Signin(s.flow, "failed")
		f, ok := orgAuthErrors[code]
		if !ok {
			f = failure{Reason: "org_error", Heading: "Sign-in failed", Message: "The sign-in service reported a problem.",
				Hint: "the org answered error=" + code}
		}
		f.Retry = retry
		f.Err = errors.New("org redirect error " + code + ": " + clip(q.Get("error_description"), 200))
		status := http.StatusForbidden
		if strings.Contains(f.Heading, "not set up correctly") {
			status = http.StatusBadGateway
		}
		g.fail(c, s, status, f)
		return
	}
	code := q.Get("code")
	if code == "" {
		g.fail(c, s, http.StatusBadRequest, failure{Reason: "no_code", Heading: "Sign-in failed", Message: "The sign-in service sent no result. Start again.", Retry: retry})
		return
	}
	ctx := c.Request.Context()
	rec, err := s.signin.Finish(ctx, code, fs)
	if err != nil {
		g.deps.Metrics.Signin(s.flow, "failed")
		// For the JWT bearer grant these words mean an expired assertion (clock), an admin matter.
		if se, ok := salesforce.AsError(err); ok && se.Code == "invalid_grant" && se.Grant != salesforce.GrantJWTBearer && strings.Contains(se.Description, "authorization code") {
			g.fail(c, s, http.StatusBadRequest, failure{Reason: "code_expired", Heading: "This sign-in link has expired or was already used",
				Message: "Start again to sign in.", Retry: retry, Err: err})
			return
		}
		if status, f, ok := signinRefusal(err); ok {
			if status == http.StatusBadRequest {
				f.Retry = retry
			}
			g.fail(c, s, status, f)
			return
		}
		g.orgFailure(c, s, "signin", err, retry)
		return
	}
	if !s.orgAllowed(rec.Identity.OrgID) {
		g.deps.Metrics.Signin(s.flow, "failed")
		if err := s.signin.Revoke(ctx, rec); err != nil {
			g.deps.Logger.Warn("revoking a refused sign-in's grant failed", "rid", info(c).rid, "site", s.name, "err", err.Error())
		}
		g.fail(c, s, http.StatusForbidden, failure{Reason: "wrong_org", Heading: "You are not allowed to use this site",
			Message: "You signed in to a different Salesforce organization than the one this site uses. Sign in with your account in the right one.",
			Hint:    "the identity's org " + rec.Identity.OrgID + " is not org.org_id " + s.cfg.Org.OrgID,
			Retry:   retry})
		return
	}
	if fs.Popup && fs.Handoff != "" {
		g.handOff(c, s, rec, fs)
		return
	}
	if !g.startSession(c, s, rec) {
		return
	}
	g.deps.Metrics.Signin(s.flow, "ok")
	g.deps.Logger.Info("signed in", "rid", info(c).rid, "site", s.name, "user", rec.Identity.UserID, "flow", rec.Tokens.Flow)
	if fs.Popup {
		nonce := trust.NewNonce()
		noFrame(h, s, nonce)
		g.render(c, http.StatusOK, "callback", templates.CallbackData{
			Page: g.page(c, s, nonce, "Signed in"), Popup: true, OpenerOrigin: fs.Opener, OK: true, Redirect: fs.Redirect,
		})
		return
	}
	c.Redirect(http.StatusFound, fs.Redirect)
}

// startSession makes a new session for rec and sets its cookie; false when the
// store failed (answered with a 503). No fixation: whatever session the request
// carried is dropped, and the new one has a new id and CSRF token.
func (g *Gateway) startSession(c *gin.Context, s *site, rec *session.Record) bool {
	ctx := c.Request.Context()
	if old, err := s.loadSession(ctx, c.Request); err == nil {
		_ = s.sessions.Destroy(ctx, c.Writer, old)
	}
	rec.Site = s.name
	rec.CSRF = trust.NewNonce()
	if _, err := s.sessions.Create(ctx, c.Writer, rec); err != nil {
		g.storeFailure(c, s, err)
		return false
	}
	return true
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// orgFailure reports a failure of the org or IdP: 503 when it is unreachable or
// failing, 502 when it answered with an error an admin must fix.
func (g *Gateway) orgFailure(c *gin.Context, s *site, reason string, err error, retry ...string) {
	f := failure{Reason: "org_unavailable", Heading: "Salesforce is not answering",
		Message: "We could not reach the sign-in service. Please try again in a moment.", Err: err}
	if len(retry) > 0 {
		f.Retry = retry[0]
	}
	status := http.StatusServiceUnavailable
	if se, ok := salesforce.AsError(err); ok && !salesforce.IsTransient(err) {
		status = http.StatusBadGateway
		f.Reason = "org_error"
		f.Heading = "Salesforce refused the request"
		f.Message = "Salesforce refused this site's request, so you were not signed in. The problem is on this site's side: its administrator can find what to fix in the gateway's log under the request ID below."
		f.Hint = se.Hint()
	} else if !salesforce.IsTransient(err) && !errors.As(err, new(*auth.OrgError)) {
		status = http.StatusBadGateway
		f.Reason = "org_error"
		f.Heading = "Sign-in failed"
		f.Message = "The answer from the sign-in service could not be trusted, so you were not signed in. Please try again."
		if ie := new(auth.IssuerError); errors.As(err, &ie) {
			f.Hint = "set " + ie.Setting + " to " + ie.Got
		}
	}
	if reason == "relay_token" {
		g.deps.Metrics.RelayToken("failed")
	} else {
		g.deps.Metrics.Signin(s.flow, "org_error")
	}
	g.fail(c, s, status, f)
}

// storeFailure: the session store is down. Never a sign-out: 503 and a log line.
func (g *Gateway) storeFailure(c *gin.Context, s *site, err error) {
	g.deps.Metrics.StoreError()
	g.fail(c, s, http.StatusServiceUnavailable, failure{
		Reason: "session_store_unavailable", Heading: "We'll be right back",
		Message: "The gateway cannot reach its session store just now. You are still signed in; try again in a moment.",
		Hint:    "check the Redis store (session.redis) and /__lo/readyz", Err: err,
	})
}

// loadSession returns the visitor's session, nil when signed out, or answers 503
// itself (and returns ok=false) when the store fails.
func (g *Gateway) loadSession(c *gin.Context, s *site) (*session.Session, bool) {
	sess, err := s.loadSession(c.Request.Context(), c.Request)
	switch {
	case err == nil:
		return sess, true
	case errors.Is(err, session.ErrNoSession):
		return nil, true
	default:
		g.storeFailure(c, s, err)
		return nil, false
	}
}

// logoutConfirm shows a confirm page: a GET must never sign anyone out.
func (g *Gateway) logoutConfirm(c *gin.Context) {
	s := info(c).site
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	nonce := trust.NewNonce()
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	noFrame(h, s, nonce)
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	csp.Form = s.signoutFormAction()
	h.Set("Content-Security-Policy", csp.Header(nonce))
	data := templates.LogoutData{Page: g.page(c, s, nonce, "Sign out"), Target: s.policy.SafeRedirect(c.Query("rd"))}
	if sess != nil {
		data.CSRFToken = sess.Record.CSRF
		data.DisplayName = displayName(sess.Record)
	}
	g.render(c, http.StatusOK, "logout", data)
}

// nullOriginSameSite accepts the sign-out form of our own pages: they carry
// Referrer-Policy no-referrer, so the browser sends "Origin: null" on their POSTs
// (Fetch, "serializing a request origin"), while Sec-Fetch-Site, which no page
// can set, still says same-origin.
func nullOriginSameSite(r *http.Request) bool {
	o, f := r.Header.Values("Origin"), r.Header.Values("Sec-Fetch-Site")
	return len(o) == 1 && o[0] == "null" && len(f) == 1 && f[0] == "same-origin"
}

func displayName(r *session.Record) string {
	return firstNonEmpty(r.Identity.Name, r.Identity.PreferredUsername, r.Identity.Email, r.Identity.Username, r.Identity.UserID)
}

// sessionInfo tells the page who is signed in. No tokens, ever.
func (g *Gateway) sessionInfo(c *gin.Context) {
	s := info(c).site
	if stop := g.cors(c, s); stop {
		return
	}
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	if sess == nil {
		writeJSON(c, http.StatusOK, map[string]any{"signedIn": false, "loginUrl": "/__lo/login"})
		return
	}
	rec := sess.Record
	body := map[string]any{
		"signedIn":    true,
		"displayName": displayName(rec),
		"username":    rec.Identity.PreferredUsername,
		"orgId":       rec.Identity.OrgID,
		"userId":      rec.Identity.UserID,
		"flow":        rec.Tokens.Flow,
		"expiresAt":   g.sessionExpiry(rec).UTC().Format(time.RFC3339),
	}
	writeJSON(c, http.StatusOK, body)
}

// cors answers trusted cross-origin callers and preflights; it returns true when
// the request is fully answered (a preflight, or a refused cross-site caller).
func (g *Gateway) cors(c *gin.Context, s *site) bool {
	allowed, preflight := s.policy.CORS(c.Writer, c.Request)
	origin := c.GetHeader("Origin")
	if preflight {
		if allowed {
			c.Status(http.StatusNoContent)
		} else {
			c.Status(http.StatusForbidden)
		}
		return true
	}
	if origin != "" && !allowed && !s.policy.IsTrusted(origin) {
		g.fail(c, s, http.StatusForbidden, failure{Reason: "ORIGIN_NOT_TRUSTED", Heading: "Origin not trusted",
			Message: "This endpoint answers this site and its trusted domains only.",
			Hint:    "add the calling page's origin to trusted_domains"})
		return true
	}
	if origin == "" {
		if sfs := c.GetHeader("Sec-Fetch-Site"); sfs == "cross-site" || sfs == "same-site" {
			g.fail(c, s, http.StatusForbidden, failure{Reason: "ORIGIN_NOT_TRUSTED", Heading: "Origin not trusted",
				Message: "This endpoint answers this site and its trusted domains only."})
			return true
		}
	}
	return false
}
