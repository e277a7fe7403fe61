package devorg

import (
	"net/http"
	"strings"
	"time"
)

// handleRevoke is /services/oauth2/revoke (docs/salesforce.md §1.8).
func (o *Org) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && !(r.Method == http.MethodGet && o.cfg.Assumptions.RevokeAcceptsGET) {
		o.writeJSONError(w, TokenMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		o.writeJSONError(w, RevokeInvalidToken)
		return
	}
	switch hint := r.Form.Get("token_type_hint"); hint {
	case "", "access_token", "refresh_token":
	default:
		o.writeJSONError(w, RevokeUnsupportedType)
		return
	}
	token := r.Form.Get("token")
	o.mu.Lock()
	_, isRefresh := o.refresh[token]
	_, isAccess := o.access[token]
	switch {
	case isRefresh:
		o.revokeRefreshLocked(token)
	case isAccess:
		delete(o.access, token)
	}
	o.mu.Unlock()
	if !isRefresh && !isAccess {
		o.writeJSONError(w, RevokeInvalidToken)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// handleIntrospect is /services/oauth2/introspect (docs/salesforce.md §1.9): client
// authentication required; inactive tokens are just {"active":false}.
func (o *Org) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		o.writeJSONError(w, TokenMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		o.writeJSONError(w, IntrospectBadClient)
		return
	}
	id, secret, sent := o.clientCredentials(r)
	app := o.app(id)
	if app == nil || !sent || app.ClientSecret == "" || secret != app.ClientSecret {
		o.writeJSONError(w, IntrospectBadClient)
		return
	}
	token := r.PostForm.Get("token")
	if at := o.validAccess(token); at != nil {
		u := o.userByID(at.userID)
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "scope": strings.Join(at.scopes, " "), "client_id": at.clientID,
			"username": u.Username, "sub": o.identityURL(u.ID), "token_type": "access_token",
			"exp": o.expiry(at).Unix(), "iat": at.issued.Unix(), "nbf": at.issued.Unix(),
		})
		return
	}
	if rt := o.validRefresh(token); rt != nil {
		u := o.userByID(rt.userID)
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "scope": strings.Join(rt.scopes, " "), "client_id": rt.clientID,
			"username": u.Username, "sub": o.identityURL(u.ID), "token_type": "refresh_token",
			"iat": rt.issued.Unix(), "nbf": rt.issued.Unix(),
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"active": false})
}

// bearerToken reads the token from Authorization: Bearer, or from a form/query field.
func bearerToken(r *http.Request, fields ...string) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
			return strings.TrimSpace(tok)
		}
	}
	_ = r.ParseForm()
	for _, f := range fields {
		if v := r.Form.Get(f); v != "" {
			return v
		}
	}
	return ""
}

// handleUserinfo is /services/oauth2/userinfo (docs/salesforce.md §1.10).
func (o *Org) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	raw := bearerToken(r, "oauth_token", "access_token")
	if raw == "" {
		o.writeWord(w, IdentityMissingToken, false)
		return
	}
	at := o.validAccess(raw)
	if at == nil {
		o.writeWord(w, IdentityBadToken, false)
		return
	}
	u := o.userByID(at.userID)
	writeJSON(w, http.StatusOK, o.userClaims(u, at, true))
}

// handleIdentity is the identity URL /id/<org>/<user> (1.10).
func (o *Org) handleIdentity(w http.ResponseWriter, r *http.Request) {
	raw := bearerToken(r, "oauth_token", "access_token")
	if raw == "" {
		o.writeWord(w, IdentityMissingToken, false)
		return
	}
	at := o.validAccess(raw)
	if at == nil {
		o.writeWord(w, IdentityBadToken, false)
		return
	}
	orgID, userID := r.PathValue("org"), r.PathValue("user")
	if orgID != o.cfg.OrgID && orgID != o.cfg.OrgID[:15] {
		o.writeWord(w, IdentityWrongOrg, false)
		return
	}
	u := o.userByID(userID)
	if u == nil || (u.ID != at.userID && !hasScope(at.scopes, "api", "full")) {
		o.writeWord(w, IdentityNoAccess, false)
		return
	}
	writeJSON(w, http.StatusOK, o.userClaims(u, at, false))
}

// userClaims is the user document of userinfo (OIDC names) or the identity URL
// (Salesforce names).
func (o *Org) userClaims(u *User, at *accessToken, oidcNames bool) map[string]any {
	first, last := splitName(u.Name)
	base := o.Origin()
	urls := map[string]string{
		"enterprise":    base + "/services/Soap/c/{version}/" + o.cfg.OrgID[:15],
		"metadata":      base + "/services/Soap/m/{version}/" + o.cfg.OrgID[:15],
		"partner":       base + "/services/Soap/u/{version}/" + o.cfg.OrgID[:15],
		"rest":          base + "/services/data/v{version}/",
		"sobjects":      base + "/services/data/v{version}/sobjects/",
		"search":        base + "/services/data/v{version}/search/",
		"query":         base + "/services/data/v{version}/query/",
		"profile":       base + "/" + u.ID,
		"custom_domain": base,
	}
	photos := map[string]string{"picture": base + "/profilephoto/005/F", "thumbnail": base + "/profilephoto/005/T"}
	updated := time.Unix(0, 0).UTC().Format("2006-01-02T15:04:05Z")
	if oidcNames {
		return map[string]any{
			"sub": o.identityURL(u.ID), "user_id": u.ID, "organization_id": o.cfg.OrgID,
			"preferred_username": u.Username, "nickname": nickname(u), "name": u.Name,
			"email": u.Email, "email_verified": true, "given_name": first, "family_name": last,
			"zoneinfo": "Europe/London", "photos": photos, "profile": base + "/" + u.ID,
			"picture": photos["picture"], "address": map[string]string{"country": "GB"},
			"is_salesforce_integration_user": false, "urls": urls, "active": u.Active,
			"user_type": "STANDARD", "language": "en_US", "locale": "en_GB", "utcOffset": 0,
			"updated_at": updated, "is_app_installed": true,
		}
	}
	return map[string]any{
		"id": o.identityURL(u.ID), "asserted_user": u.ID == at.userID, "user_id": u.ID,
		"organization_id": o.cfg.OrgID, "username": u.Username, "nick_name": nickname(u),
		"display_name": u.Name, "email": u.Email, "email_verified": true, "first_name": first,
		"last_name": last, "timezone": "Europe/London", "photos": photos,
		"addr_country": "GB", "status": map[string]any{"created_date": nil, "body": nil},
		"urls": urls, "active": u.Active, "user_type": "STANDARD", "language": "en_US",
		"locale": "en_GB", "utcOffset": 0, "last_modified_date": updated, "is_app_installed": true,
	}
}
