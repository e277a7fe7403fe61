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

// handleLOSingleAccess is /services/oauth2/lightningoutsingleaccess (docs/salesforce.md §2.2):
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
	if lightningOut && o.cfg.Assumptions.LOBridgeChecksAppFirst && !o.LOAppEnabled(r.Form.Get("lightning_out_app_id")) {
		o.writeWord(w, BridgeLOAppInvalid, jsonErrors)
		return
	}
	var raw string
	if lightningOut {
		raw = bearerToken(r, "access_token")
	} else {
		// Since Spring '25 the standard endpoint refuses a token in the query string
		// (it would end up in access logs); the header and the form body still work.
		if r.URL.Query().Has("access_token") {
			o.writeWord(w, BridgeQueryToken, jsonErrors)
			return
		}
		raw = headerOrBodyToken(r, "access_token")
	}
	if raw == "" {
		o.writeWord(w, BridgeMissingToken, jsonErrors)
		return
	}
	at := o.validAccess(raw)
	if at == nil {
		o.badBridgeToken(w, jsonErrors)
		return
	}
	if !hasScope(at.scopes, "web", "full") {
		o.writeWord(w, BridgeInvalidScope, jsonErrors)
		return
	}
	u := o.userByID(at.userID)
	if u == nil {
		o.badBridgeToken(w, jsonErrors)
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
	startURL, ok := bridgeLanding(r.Form.Get("redirect_uri"))
	if !ok {
		o.writeWord(w, BridgeInvalidParam, jsonErrors)
		return
	}
	otp, cshc := o.newSessionID(), newOTP()
	o.mu.Lock()
	o.otps[otp] = &oneTimePass{userID: u.ID, scopes: at.scopes, cshc: cshc, startURL: startURL, expires: o.now().Add(o.cfg.OTPLifetime)}
	o.mu.Unlock()
	// Real frontdoor URLs carry the otp (an org-id-prefixed secret whose '!' arrives as
	// %21) and a second parameter, cshc, so no client may assume a single parameter.
	v := url.Values{"otp": {otp}, "cshc": {cshc}}
	if startURL != "" {
		v.Set("startURL", startURL)
	}
	writeJSON(w, http.StatusOK, map[string]string{"frontdoor_uri": o.baseFor(r) + frontdoorPath + "?" + v.Encode()})
}

// badBridgeToken refuses a token the org no longer accepts: Bad_OAuth_Token, or a bare
// 403 under Assumptions.UIBridgeSilentBadToken.
func (o *Org) badBridgeToken(w http.ResponseWriter, jsonErrors bool) {
	if o.cfg.Assumptions.UIBridgeSilentBadToken {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	o.writeWord(w, BridgeBadToken, jsonErrors)
}

// bridgeLanding reads the UI Bridge redirect_uri: empty, or a path on the org, with or
// without its leading slash ("lightning/setup/..." is accepted by Salesforce). Anything
// with a scheme or a host is Invalid_Param.
func bridgeLanding(p string) (string, bool) {
	if p == "" {
		return "", true
	}
	if !strings.HasPrefix(p, "/") {
		u, err := url.Parse(p)
		if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "\\") {
			return "", false
		}
		p = "/" + p
	}
	return p, isRelativePath(p)
}

// headerOrBodyToken reads Authorization: Bearer, or a field of a form body (never the
// query string).
func headerOrBodyToken(r *http.Request, field string) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
			return strings.TrimSpace(tok)
		}
	}
	return r.PostForm.Get(field)
}

// handleFrontdoor is /secur/frontdoor.jsp (docs/salesforce.md §2.1). A valid otp (first use,
// within OTPLifetime) or a valid access token in sid= opens an org browser session and
// redirects to startURL/retURL (relative only). Anything else opens no session and shows
// the login page with Assumptions.FrontdoorFailureStatus, so a Lightning Out auth
// iframe never gets its lo.loaded and the host sees lo.application.error.
func (o *Org) handleFrontdoor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("startURL")
	var userID string
	var scopes []string
	switch {
	case q.Get("otp") != "":
		o.mu.Lock()
		p := o.otps[q.Get("otp")]
		delete(o.otps, q.Get("otp")) // every attempt consumes it
		o.mu.Unlock()
		// cshc travels with the otp; a URL whose cshc was cut or changed is refused.
		if p != nil && o.now().Before(p.expires) && q.Get("cshc") == p.cshc {
			userID, scopes = p.userID, p.scopes
			if target == "" {
				target = p.startURL
			}
		}
	case q.Get("sid") != "":
		if at := o.validAccess(q.Get("sid")); at != nil && hasScope(at.scopes, "web", "full") {
			userID, scopes = at.userID, at.scopes
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
	o.newBrowserSession(w, u.ID, true, scopes)
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
		o.newBrowserSession(w, u.ID, false, nil)
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
