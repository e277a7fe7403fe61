package gateway

import (
	"net/http"
	"net/url"
	"strings"

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
		g.fail(c, s, &failure{
			Status: http.StatusBadRequest, Code: codeFramedSignin, Heading: "Sign-in opens in its own window",
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
				g.fail(c, s, &failure{Status: http.StatusBadRequest, Code: codeBadPopupState, Heading: "Sign-in could not start",
					Message: "The page that asked to sign you in sent a malformed request. Reload it and try again."})
				return
			}
			handoff = ps
		}
		opener = s.origin
		if o := q.Get("origin"); o != "" {
			if !s.policy.IsTrusted(o) {
				g.fail(c, s, &failure{
					Status: http.StatusBadRequest, Code: codeUntrustedOpener, Heading: "Sign-in not allowed from that page",
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
		g.orgFailure(c, s, "signin_start", err, "")
		return
	}
	s.flows.Prune(c.Writer, c.Request)
	if err := s.flows.Write(c.Writer, fs); err != nil {
		g.fail(c, s, &failure{Status: http.StatusInternalServerError, Code: codeInternal, Heading: "Sign-in could not start", Message: "Try again in a moment.", Err: err})
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

// callback finishes the web server flow. The state is checked FIRST: a callback
// without the matching flow cookie never reaches the org.
func (g *Gateway) callback(c *gin.Context, s *site) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	q := c.Request.URL.Query()
	retry := signinURL("/")
	fs, err := s.flows.Take(c.Writer, c.Request, q.Get("state"))
	if err != nil {
		g.deps.Metrics.Signin(s.flow, "failed")
		g.fail(c, s, &failure{
			Status: http.StatusBadRequest, Code: codeFlowExpired, Heading: "This sign-in link has expired or was already used",
			Message: "For your safety each sign-in link works once, in the browser that started it, for ten minutes. Start again to sign in.",
			Retry:   retry, Err: err,
		})
		return
	}
	retry = retryURL(fs)
	if code := q.Get("error"); code != "" {
		g.deps.Metrics.Signin(s.flow, "failed")
		g.fail(c, s, orgRedirectError(code, q.Get("error_description"), retry))
		return
	}
	code := q.Get("code")
	if code == "" {
		g.fail(c, s, &failure{Status: http.StatusBadRequest, Code: codeNoCode, Heading: "Sign-in failed", Message: "The sign-in service sent no result. Start again.", Retry: retry})
		return
	}
	ctx := c.Request.Context()
	rec, err := s.signin.Finish(ctx, code, fs)
	if err != nil {
		g.deps.Metrics.Signin(s.flow, "failed")
		// For the JWT bearer grant these words mean an expired assertion (clock), an admin matter.
		if se, ok := salesforce.AsError(err); ok && se.Code == "invalid_grant" && se.Grant != salesforce.GrantJWTBearer && strings.Contains(se.Description, "authorization code") {
			g.fail(c, s, codeExpired("", retry, err))
			return
		}
		if f := signinRefusal(err, retry); f != nil {
			g.fail(c, s, f)
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
		g.fail(c, s, &failure{Status: http.StatusForbidden, Code: codeWrongOrg, Heading: "You are not allowed to use this site",
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

// retryURL starts the sign-in fs again, in the same window and for the same
// opener.
func retryURL(fs auth.FlowState) string {
	retry := signinURL(fs.Redirect)
	if fs.Popup {
		retry += "&popup=1&origin=" + url.QueryEscape(fs.Opener)
		if fs.Handoff != "" {
			// A retry in this popup still ends in a hand-off to the same opener,
			// which keeps waiting for the code with this state.
			retry += "&ps=" + url.QueryEscape(fs.Handoff)
		}
	}
	return retry
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

// framed reports a request for a document inside a frame: Sec-Fetch-Dest,
// which no page can set, says so.
func framed(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "iframe", "frame", "fencedframe":
		return true
	}
	return false
}

// orgAllowed says whether an identity's org may sign in to the site: any org
// when org.org_id is not set, else only that one. Ids compare on their first
// 15 characters (the case-sensitive id; 18-character ids add a checksum).
func (s *site) orgAllowed(orgID string) bool {
	want := s.cfg.Org.OrgID
	if want == "" {
		return true
	}
	return len(orgID) >= 15 && orgID[:15] == want[:15]
}
