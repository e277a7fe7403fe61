package devorg

import (
	"net/http"
	"net/url"
	"strings"
)

// handleSingleAccess is the UI Bridge API /services/oauth2/singleaccess (2.1, items
// 26-27). It never answers CORS: only servers call it.
func (o *Org) handleSingleAccess(w http.ResponseWriter, r *http.Request) {
	o.singleAccess(w, r, false)
}

// handleLOSingleAccess is /services/oauth2/lightningoutsingleaccess (2.2, item 28):
// the same, plus a Lightning Out app id that must exist and be enabled.
func (o *Org) handleLOSingleAccess(w http.ResponseWriter, r *http.Request) {
	o.singleAccess(w, r, true)
}

func (o *Org) singleAccess(w http.ResponseWriter, r *http.Request, lightningOut bool) {
	jsonErrors := o.cfg.Assumptions.UIBridgeJSONErrors
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		o.writeWord(w, BridgeMethodNotAllowed, jsonErrors)
		return
	}
	_ = r.ParseForm()
	raw := bearerToken(r, "access_token")
	if raw == "" {
		o.writeWord(w, BridgeMissingToken, jsonErrors)
		return
	}
	at := o.validAccess(raw)
	if at == nil {
		o.writeWord(w, BridgeBadToken, jsonErrors)
		return
	}
	if !hasScope(at.scopes, "web", "full") {
		o.writeWord(w, BridgeInvalidScope, jsonErrors)
		return
	}
	u := o.userByID(at.userID)
	if u == nil {
		o.writeWord(w, BridgeBadToken, jsonErrors)
		return
	}
	if u.APIOnly {
		o.writeWord(w, BridgeAPIOnlyUser, jsonErrors)
		return
	}
	if lightningOut && !o.LOAppEnabled(r.Form.Get("lightning_out_app_id")) {
		o.writeWord(w, BridgeLOAppInvalid, jsonErrors)
		return
	}
	startURL := r.Form.Get("redirect_uri")
	if startURL != "" && !isRelativePath(startURL) {
		o.writeWord(w, BridgeInvalidParam, jsonErrors)
		return
	}
	otp := newOTP()
	o.mu.Lock()
	o.otps[otp] = &oneTimePass{userID: u.ID, startURL: startURL, expires: o.now().Add(o.cfg.OTPLifetime)}
	o.mu.Unlock()
	v := url.Values{"otp": {otp}}
	if startURL != "" {
		v.Set("startURL", startURL)
	}
	writeJSON(w, http.StatusOK, map[string]string{"frontdoor_uri": o.Origin() + frontdoorPath + "?" + v.Encode()})
}

// handleFrontdoor is /secur/frontdoor.jsp (2.1, item 29). A valid otp (first use,
// within OTPLifetime) or a valid access token in sid= opens an org browser session and
// redirects to startURL/retURL (relative only). Anything else opens no session and shows
// the login page with Assumptions.FrontdoorFailureStatus, so a Lightning Out auth
// iframe never gets its lo.loaded and the host sees lo.application.error.
func (o *Org) handleFrontdoor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("startURL")
	var userID string
	switch {
	case q.Get("otp") != "":
		o.mu.Lock()
		p := o.otps[q.Get("otp")]
		delete(o.otps, q.Get("otp")) // every attempt consumes it
		o.mu.Unlock()
		if p != nil && o.now().Before(p.expires) {
			userID = p.userID
			if target == "" {
				target = p.startURL
			}
		}
	case q.Get("sid") != "":
		if at := o.validAccess(q.Get("sid")); at != nil && hasScope(at.scopes, "web", "full") {
			userID = at.userID
		}
		target = q.Get("retURL")
	}
	u := o.userByID(userID)
	if u == nil || !u.Active {
		if o.cfg.Assumptions.FrontdoorFailureEndsSession {
			o.endSession(r)
			clearSessionCookie(w)
		}
		o.renderLogin(w, o.cfg.Assumptions.FrontdoorFailureStatus, "/", map[string]string{"startURL": relativeOr(target, "")}, "", "")
		return
	}
	o.newBrowserSession(w, u.ID)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, o.Origin()+relativeOr(target, "/"), http.StatusFound)
}

func relativeOr(p, fallback string) string {
	if isRelativePath(p) {
		return p
	}
	return fallback
}

// handleHome is the org's start page: the login form when signed out (its POST signs
// in and continues to startURL), a short "you are signed in" page otherwise.
func (o *Org) handleHome(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		username := strings.TrimSpace(r.PostForm.Get("username"))
		u := o.checkPassword(username, r.PostForm.Get("pw"))
		start := relativeOr(r.PostForm.Get("startURL"), "/")
		if u == nil || !u.Active {
			o.renderLogin(w, http.StatusOK, "/", map[string]string{"startURL": start}, username, o.reply(AuthzInvalidCredentialsUI).Description)
			return
		}
		o.newBrowserSession(w, u.ID)
		http.Redirect(w, r, o.Origin()+start, http.StatusFound)
		return
	}
	u := o.sessionUser(r)
	if u == nil {
		o.renderLogin(w, http.StatusOK, "/", nil, "", "")
		return
	}
	o.renderPage(w, http.StatusOK, "message", pageData{Title: "Home", Heading: "Home",
		Lines: []string{"You are signed in to this org as " + u.Username + "."}, Link: logoutPath, LinkText: "Log Out"})
}
