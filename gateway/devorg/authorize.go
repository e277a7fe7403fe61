package devorg

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authorizeParams are the request parameters the sign-in and consent forms carry along.
var authorizeParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "nonce", "prompt", "login_hint", "display", "immediate"}

type authzRequest struct {
	app         *App
	redirectURI string
	state       string
	scopes      []string
	nonce       string
	challenge   string
	method      string
	prompt      []string
	loginHint   string
	immediate   bool
	params      url.Values
}

// handleAuthorize runs /services/oauth2/authorize (1.2, 1.3, items 3-12). GET starts a
// request; POST comes from the org's own sign-in and consent forms, which carry the
// original parameters as hidden fields.
func (o *Org) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	req, ok := o.parseAuthorize(w, r)
	if !ok {
		return
	}
	if r.Method == http.MethodPost {
		switch r.PostForm.Get("devorg_action") {
		case "login":
			o.authorizeLogin(w, r, req)
			return
		case "allow", "deny":
			o.authorizeConsent(w, r, req, r.PostForm.Get("devorg_action") == "allow")
			return
		}
	}
	var user *User
	if !slices.Contains(req.prompt, "login") {
		user = o.sessionUser(r)
	}
	if user == nil {
		if req.immediate {
			o.redirectError(w, r, req.redirectURI, req.state, AuthzImmediate)
			return
		}
		o.renderLogin(w, http.StatusOK, authorizePath, hiddenFields(req.params, authorizeParams...), req.loginHint, "")
		return
	}
	o.authorizeAs(w, r, req, user)
}

// parseAuthorize validates the request. Unusable requests (unknown client, bad
// redirect_uri) go to Salesforce's own error page; the rest are redirected to the client.
func (o *Org) parseAuthorize(w http.ResponseWriter, r *http.Request) (*authzRequest, bool) {
	p := r.Form
	if r.Method == http.MethodGet {
		p = r.URL.Query()
	}
	state := p.Get("state")
	app := o.app(p.Get("client_id"))
	if app == nil {
		o.remoteAccessError(w, r, state, AuthzUnknownClient)
		return nil, false
	}
	redirectURI := p.Get("redirect_uri")
	if redirectURI == "" {
		o.remoteAccessError(w, r, state, AuthzRedirectMissing)
		return nil, false
	}
	if !app.hasCallback(redirectURI) {
		o.remoteAccessError(w, r, state, AuthzRedirectMismatch)
		return nil, false
	}
	fail := func(f Failure) (*authzRequest, bool) {
		o.redirectError(w, r, redirectURI, state, f)
		return nil, false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return fail(AuthzBadMethod)
	}
	if !app.AuthorizationCode {
		return fail(AuthzFlowDisabled)
	}
	if p.Get("response_type") != "code" {
		return fail(AuthzUnsupportedResponse)
	}
	req := &authzRequest{app: app, redirectURI: redirectURI, state: state, nonce: p.Get("nonce"),
		challenge: p.Get("code_challenge"), method: p.Get("code_challenge_method"),
		prompt: strings.Fields(p.Get("prompt")), loginHint: p.Get("login_hint"),
		immediate: p.Get("immediate") == "true", params: p}

	scopes, ok := o.grantScopes(app, p.Get("scope"), p.Has("scope"))
	if !ok {
		return fail(AuthzInvalidScope)
	}
	req.scopes = scopes

	switch req.method {
	case "":
		if req.challenge != "" {
			req.method = "S256"
		}
	case "S256":
	case "plain":
		if !o.cfg.Assumptions.AcceptPlainPKCE {
			return fail(AuthzPKCEMethod)
		}
	default:
		return fail(AuthzPKCEMethod)
	}
	if app.RequirePKCE && req.challenge == "" {
		return fail(AuthzPKCERequired)
	}
	return req, true
}

// grantScopes checks the requested scopes against the app's (docs/salesforce.md §1.2).
func (o *Org) grantScopes(app *App, raw string, present bool) ([]string, bool) {
	if !present || strings.TrimSpace(raw) == "" {
		if o.cfg.Assumptions.OmittedScopeGrantsAppScopes {
			return append([]string(nil), app.Scopes...), true
		}
		return nil, true
	}
	var out []string
	for _, s := range strings.Fields(raw) {
		allowed := slices.Contains(app.Scopes, s) ||
			(s == "offline_access" && slices.Contains(app.Scopes, "refresh_token")) ||
			(s == "refresh_token" && slices.Contains(app.Scopes, "offline_access"))
		if !allowed {
			if o.cfg.Assumptions.RejectUnknownScope {
				return nil, false
			}
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, true
}

func (o *Org) authorizeLogin(w http.ResponseWriter, r *http.Request, req *authzRequest) {
	username := strings.TrimSpace(r.PostForm.Get("username"))
	u := o.checkPassword(username, r.PostForm.Get("pw"))
	if u == nil {
		o.renderLogin(w, http.StatusOK, authorizePath, hiddenFields(req.params, authorizeParams...), username, o.reply(AuthzInvalidCredentialsUI).Description)
		return
	}
	if !u.Active {
		o.redirectError(w, r, req.redirectURI, req.state, AuthzInactiveUser)
		return
	}
	o.newBrowserSession(w, u.ID, false, nil)
	o.authorizeAs(w, r, req, u)
}

// checkPassword returns the user whose password matches, or nil; API-only users may
// not sign in unless Assumptions.APIOnlyUsersMaySignIn.
func (o *Org) checkPassword(username, password string) *User {
	u := o.userByName(username)
	if u == nil || subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) != 1 {
		return nil
	}
	if u.APIOnly && !o.cfg.Assumptions.APIOnlyUsersMaySignIn {
		return nil
	}
	return u
}

func (o *Org) authorizeConsent(w http.ResponseWriter, r *http.Request, req *authzRequest, allow bool) {
	u := o.sessionUser(r)
	if u == nil {
		o.renderLogin(w, http.StatusOK, authorizePath, hiddenFields(req.params, authorizeParams...), req.loginHint, "")
		return
	}
	if !allow {
		o.redirectError(w, r, req.redirectURI, req.state, AuthzDenied)
		return
	}
	o.mu.Lock()
	o.approvals[approval{u.ID, req.app.ClientID}] = true
	o.mu.Unlock()
	o.authorizeAs(w, r, req, u)
}

// authorizeAs finishes the request for a signed-in user: policy, consent, code.
func (o *Org) authorizeAs(w http.ResponseWriter, r *http.Request, req *authzRequest, u *User) {
	if !u.Active {
		o.redirectError(w, r, req.redirectURI, req.state, AuthzInactiveUser)
		return
	}
	if req.app.PermittedUsers == AdminApproved {
		if !req.app.assigned(u) {
			o.redirectError(w, r, req.redirectURI, req.state, AuthzNotAdminApproved)
			return
		}
	} else {
		o.mu.Lock()
		approved := o.approvals[approval{u.ID, req.app.ClientID}]
		o.mu.Unlock()
		justApproved := r.Method == http.MethodPost && r.PostForm.Get("devorg_action") == "allow"
		if !justApproved && (!approved || slices.Contains(req.prompt, "consent")) {
			if req.immediate {
				o.redirectError(w, r, req.redirectURI, req.state, AuthzImmediate)
				return
			}
			o.renderPage(w, http.StatusOK, "consent", pageData{Title: "Allow Access", Action: authorizePath,
				Hidden: hiddenFields(req.params, authorizeParams...), AppName: req.app.Name,
				Scopes: consentLines(req.scopes), Username: u.Username})
			return
		}
	}
	code := newCode()
	o.mu.Lock()
	o.codes[code] = &authCode{clientID: req.app.ClientID, redirectURI: req.redirectURI, userID: u.ID,
		scopes: req.scopes, challenge: req.challenge, method: req.method, nonce: req.nonce,
		expires: o.now().Add(o.cfg.CodeLifetime)}
	o.mu.Unlock()
	v := url.Values{"code": {code}}
	if req.state != "" {
		v.Set("state", req.state)
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, appendQuery(req.redirectURI, v), http.StatusFound)
}
