package gateway

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// logoutConfirm shows a confirm page: a GET must never sign anyone out.
func (g *Gateway) logoutConfirm(c *gin.Context) {
	s := info(c).site
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	csp.Form = s.signoutFormAction()
	h := c.Writer.Header()
	nonce := pageHeaders(h, csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
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

// logout is the one sign-out, whatever page starts it: it revokes the org grant,
// deletes the session and clears the cookie, then ends the org's UI session in the
// browser: through the org's end_session_endpoint when discovery advertises one (the
// org sends the browser back to the signed-out page), else on the signed-out page,
// which loads the org's logout page in a hidden frame. The signed-out page says which.
func (g *Gateway) logout(c *gin.Context) {
	s := info(c).site
	if !s.policy.SameOrigin(c.Request) && !nullOriginSameSite(c.Request) {
		g.fail(c, s, &failure{Status: http.StatusForbidden, Code: codeCSRF, Heading: "Sign-out refused", Message: "Sign-out must come from this site's own pages. Open the sign-out page and try again.", Retry: pathLogout})
		return
	}
	form, err := readForm(c, maxLogoutBody)
	if err != nil {
		g.formFailure(c, s, err)
		return
	}
	target := s.policy.SafeRedirect(firstNonEmpty(form.Get("rd"), c.Query("rd")))
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	note := signoutNote{Redirect: target, Revoke: "none", Org: orgByLogoutPage, Created: time.Now().Unix()}
	if sess != nil {
		tok := form.Get("csrf")
		// Constant time: how far a guess matched must not show in the answer's timing.
		if c.GetHeader("X-LO-CSRF") == "" && (tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sess.Record.CSRF)) != 1) {
			g.fail(c, s, &failure{Status: http.StatusForbidden, Code: codeCSRF, Heading: "Sign-out refused", Message: "The sign-out form expired. Open the sign-out page again.", Retry: pathLogout})
			return
		}
		note.Revoke = "ok"
		if err := s.signin.Revoke(ctx, sess.Record); err != nil {
			// Still sign out here; the signed-out page and the log say the org grant may outlive it.
			note.Revoke = "failed"
			g.deps.Logger.Warn("revoke at the org failed; the local session is deleted anyway", "rid", info(c).rid, "site", s.name, "err", err.Error())
		}
		if err := s.sessions.Destroy(ctx, c.Writer, sess); err != nil {
			g.storeFailure(c, s, err)
			return
		}
		g.deps.Metrics.Signout()
	} else {
		s.sessions.ClearCookie(c.Writer)
	}
	next := s.origin + pathSignedOut
	// An org that could not revoke is likely down: do not send the visitor to it.
	if note.Revoke != "failed" {
		ep, err := s.orgSignout.endSessionURL(ctx)
		if err != nil {
			g.deps.Logger.Warn("the org's end-session endpoint is unknown; its logout page is used instead", "rid", info(c).rid, "site", s.name, "err", err.Error())
		}
		if ep != "" {
			note.Org, note.State = orgByEndSession, trust.NewNonce()
			next = appendQuery(ep, url.Values{
				"client_id":                {s.cfg.ECA.ClientID},
				"post_logout_redirect_uri": {s.origin + pathSignedOut},
				"state":                    {note.State},
			})
		}
	}
	if err := s.signoutNotes.write(c.Writer, note); err != nil {
		g.deps.Logger.Warn("could not write the sign-out note", "rid", info(c).rid, "site", s.name, "err", err.Error())
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if wantsJSON(c.Request) {
		writeJSON(c, http.StatusOK, map[string]any{"signedIn": false, "redirect": next})
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}

func appendQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// signedOut is the page a sign-out ends on. It says exactly what was ended, and
// finishes the org sign-out itself (a hidden frame with the org's logout page) when
// the org's end-session endpoint was not used or did not confirm.
func (g *Gateway) signedOut(c *gin.Context) {
	s := info(c).site
	note, ok := s.signoutNotes.take(c.Writer, c.Request)
	sess, loaded := g.loadSession(c, s)
	if !loaded {
		return
	}
	if sess != nil {
		// Signed in again since (or never signed out): nothing to report here.
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	if !ok {
		note = signoutNote{Redirect: "/", Revoke: "unknown"}
	}
	target := s.policy.SafeRedirect(note.Redirect)
	data := templates.SignedOutData{LoginURL: signinURL(target), BackURL: target}
	if s.embedPath != "" && strings.HasPrefix(target, s.embedPath) && !strings.Contains(target, "signedout=") {
		// The embed page would otherwise start a new sign-in by itself (signin.auto_start).
		data.BackURL = appendQuery(target, url.Values{"signedout": {"1"}})
	}
	data.Done = append(data.Done, "Your session on this site has ended.")
	switch note.Revoke {
	case "ok":
		data.Done = append(data.Done, "This site's access to your Salesforce account was revoked.")
	case "failed":
		data.Warnings = append(data.Warnings, "Salesforce did not answer, so this site's access to your Salesforce account could not be revoked. It stops working when it expires.")
	}
	orgFrame := false
	switch {
	case note.Org == orgByEndSession && c.Query("state") != "" && subtle.ConstantTimeCompare([]byte(c.Query("state")), []byte(note.State)) == 1:
		data.Done = append(data.Done, "Your Salesforce session in this browser has ended.")
		data.How = "end_session"
	case note.Org == orgByEndSession:
		orgFrame = true
		data.Warnings = append(data.Warnings, "Salesforce did not confirm that it ended your session in this browser, so this page asked again through its logout page. If you use a shared computer, close the browser too.")
		data.How = "logout_page_unconfirmed"
	case ok && note.Revoke != "failed":
		orgFrame = true
		data.Done = append(data.Done, "This page asked Salesforce to end your session in this browser through its logout page. Salesforce does not confirm it; if you use a shared computer, close the browser too.")
		data.How = "logout_page"
	case ok:
		data.Warnings = append(data.Warnings, "Your Salesforce session in this browser may still be active. Sign out at Salesforce or close the browser if you use a shared computer.")
		data.How = "none"
	default:
		// No note: a bookmark, or a note that expired. Nothing is claimed about the org.
		data.How = "unknown"
	}
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	if orgFrame {
		data.OrgLogoutURL = s.orgSignout.logoutPageURL()
		csp.Frame = []string{s.orgOrigin}
	}
	h := c.Writer.Header()
	nonce := pageHeaders(h, csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	data.Page = g.page(c, s, nonce, "Signed out")
	g.render(c, http.StatusOK, "signedout", data)
}
