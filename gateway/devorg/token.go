package devorg

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// handleToken is /services/oauth2/token for every grant type (1.4-1.7, 5.4).
func (o *Org) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		o.writeJSONError(w, TokenMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		o.writeJSONError(w, TokenMissingGrantParam)
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		o.count("token:authorization_code")
		o.grantAuthorizationCode(w, r)
	case "refresh_token":
		o.count("token:refresh_token")
		o.grantRefreshToken(w, r)
	case "client_credentials":
		o.count("token:client_credentials")
		o.grantClientCredentials(w, r)
	case jwtBearerGrant:
		o.count("token:jwt_bearer")
		o.grantJWTBearer(w, r)
	default:
		o.count("token:unsupported")
		o.writeJSONError(w, TokenUnsupportedGrant)
	}
}

// clientCredentials reads client_id/client_secret from the form, or from HTTP Basic
// when Assumptions.AcceptBasicClientAuth.
func (o *Org) clientCredentials(r *http.Request) (id, secret string, secretSent bool) {
	id = r.PostForm.Get("client_id")
	secret = r.PostForm.Get("client_secret")
	secretSent = r.PostForm.Has("client_secret")
	if o.cfg.Assumptions.AcceptBasicClientAuth {
		if bid, bsecret, ok := r.BasicAuth(); ok {
			if id == "" {
				id = bid
			}
			if !secretSent {
				secret, secretSent = bsecret, true
			}
		}
	}
	return id, secret, secretSent
}

// authenticateClient applies docs/salesforce.md §1.4: an unknown client is invalid_client_id; a wrong
// secret fails even when none is required; a missing one fails only when required.
func (o *Org) authenticateClient(w http.ResponseWriter, r *http.Request, secretRequired func(*App) bool) (*App, bool) {
	id, secret, sent := o.clientCredentials(r)
	app := o.app(id)
	if app == nil {
		o.writeJSONError(w, TokenUnknownClient)
		return nil, false
	}
	if sent {
		if subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) != 1 || app.ClientSecret == "" {
			o.writeJSONError(w, TokenBadSecret)
			return nil, false
		}
	} else if secretRequired(app) {
		o.writeJSONError(w, TokenMissingSecret)
		return nil, false
	}
	return app, true
}

func (o *Org) grantAuthorizationCode(w http.ResponseWriter, r *http.Request) {
	app, ok := o.authenticateClient(w, r, func(a *App) bool { return a.RequireSecretForWebServer })
	if !ok {
		return
	}
	if !app.AuthorizationCode {
		o.writeJSONError(w, TokenFlowDisabled)
		return
	}
	codeValue := r.PostForm.Get("code")
	o.mu.Lock()
	code := o.codes[codeValue]
	var reused bool
	if code != nil {
		reused = code.used
		code.used = true // any presentation consumes it
		if reused && o.cfg.Assumptions.CodeReuseRevokesTokens {
			for _, a := range code.issuedAccess {
				delete(o.access, a)
			}
			if code.issuedRefresh != "" {
				o.revokeRefreshLocked(code.issuedRefresh)
			}
		}
	}
	o.mu.Unlock()
	if code == nil || reused || !o.now().Before(code.expires) || code.clientID != app.ClientID {
		o.writeJSONError(w, TokenCodeExpired)
		return
	}
	if r.PostForm.Get("redirect_uri") != code.redirectURI {
		o.writeJSONError(w, TokenRedirectMismatch)
		return
	}
	if code.challenge != "" {
		verifier := r.PostForm.Get("code_verifier")
		if verifier == "" {
			o.writeJSONError(w, TokenPKCEMissing)
			return
		}
		if !pkceMatches(code.method, code.challenge, verifier) {
			o.writeJSONError(w, TokenPKCEMismatch)
			return
		}
	}
	u := o.userByID(code.userID)
	if u == nil || !u.Active {
		o.writeJSONError(w, TokenInactiveUser)
		return
	}
	var refresh *refreshToken
	if hasScope(code.scopes, "refresh_token", "offline_access") && app.RefreshToken {
		refresh = o.issueRefresh(app.ClientID, u.ID, code.scopes, code.nonce)
	}
	refreshID := ""
	if refresh != nil {
		refreshID = refresh.value
	}
	access := o.issueAccess(app.ClientID, u.ID, code.scopes, refreshID)
	o.mu.Lock()
	code.issuedAccess = append(code.issuedAccess, access.value)
	code.issuedRefresh = refreshID
	o.mu.Unlock()
	o.writeTokenResponse(w, r, app, u, access, refresh, code.nonce, true, true)
}

// pkceMatches checks the RFC 7636 verifier against the stored challenge.
func pkceMatches(method, challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	var computed string
	switch method {
	case "plain":
		computed = verifier
	default:
		sum := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) == 1
}

func (o *Org) grantRefreshToken(w http.ResponseWriter, r *http.Request) {
	app, ok := o.authenticateClient(w, r, func(a *App) bool { return a.RequireSecretForRefresh })
	if !ok {
		return
	}
	rt := o.validRefresh(r.PostForm.Get("refresh_token"))
	if rt == nil || rt.clientID != app.ClientID || !app.RefreshToken {
		o.writeJSONError(w, TokenRefreshExpired)
		return
	}
	u := o.userByID(rt.userID)
	if u == nil || !u.Active {
		o.writeJSONError(w, TokenInactiveUser)
		return
	}
	var newRefresh *refreshToken
	o.mu.Lock()
	if app.RefreshTokenRotation {
		// The old token stops working immediately (1.6); its access tokens stay until
		// they time out, as with a plain refresh.
		delete(o.refresh, rt.value)
	} else {
		rt.lastUsed = o.now()
	}
	o.mu.Unlock()
	refreshID := rt.value
	if app.RefreshTokenRotation {
		newRefresh = o.issueRefresh(app.ClientID, u.ID, rt.scopes, rt.nonce)
		refreshID = newRefresh.value
	}
	access := o.issueAccess(app.ClientID, u.ID, rt.scopes, refreshID)
	o.writeTokenResponse(w, r, app, u, access, newRefresh, "", o.cfg.Assumptions.RefreshReturnsIDToken, true)
}

func (o *Org) grantClientCredentials(w http.ResponseWriter, r *http.Request) {
	// Client credentials always needs the secret.
	app, ok := o.authenticateClient(w, r, func(*App) bool { return true })
	if !ok {
		return
	}
	if !app.ClientCredentials || app.RunAsUsername == "" {
		o.writeJSONError(w, TokenNoRunAsUser)
		return
	}
	u := o.userByName(app.RunAsUsername)
	if u == nil || !u.Active {
		o.writeJSONError(w, TokenNoRunAsUser)
		return
	}
	// No user context: Salesforce strips web and full (1.7, 3.8); never a refresh token.
	var scopes []string
	for _, s := range app.Scopes {
		if s != "web" && s != "full" && s != "refresh_token" && s != "offline_access" {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		o.writeJSONError(w, TokenNoValidScopes)
		return
	}
	access := o.issueAccess(app.ClientID, u.ID, scopes, "")
	o.writeTokenResponse(w, r, app, u, access, nil, "", false, true)
}

// writeTokenResponse writes the success body of 1.4: no expires_in, issued_at as a
// string of milliseconds, signature = Base64(HMAC-SHA256(client secret, id+issued_at)).
func (o *Org) writeTokenResponse(w http.ResponseWriter, r *http.Request, app *App, u *User, access *accessToken, refresh *refreshToken, nonce string, withIDToken, signed bool) {
	id := o.identityURL(u.ID)
	body := map[string]any{
		"access_token": access.value,
		"instance_url": o.Origin(),
		"id":           id,
		"token_type":   "Bearer",
		"scope":        strings.Join(access.scopes, " "),
	}
	if site := siteOf(r); site != "" {
		// A token from an Experience Cloud site names the site (1.4).
		body["sfdc_community_url"] = o.Origin() + site
		body["sfdc_community_id"] = "0DBdevorg000000AAA"
	}
	if signed {
		issuedAt := strconv.FormatInt(access.issued.UnixMilli(), 10)
		mac := hmac.New(sha256.New, []byte(app.ClientSecret))
		mac.Write([]byte(id + issuedAt))
		body["issued_at"] = issuedAt
		body["signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	if refresh != nil {
		body["refresh_token"] = refresh.value
	}
	if withIDToken && slices.Contains(access.scopes, "openid") {
		idt, err := o.idToken(app, u, access.value, nonce, o.issuerFor(r))
		if err != nil {
			o.logger.Error("devorg: signing id_token", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "could not sign id_token"})
			return
		}
		body["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, body)
}
