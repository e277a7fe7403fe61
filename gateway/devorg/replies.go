package devorg

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// Failure names one error the org can answer; Replies maps it to Salesforce's words.
type Failure string

// Reply is how the org answers a Failure.
//
// Token-style endpoints send Status with {"error":Error,"error_description":Description}
// as JSON; authorize errors travel as error/error_description query parameters of a
// redirect (Status unused); identity and UI Bridge endpoints answer Status with the bare
// word Error as text/plain.
type Reply struct {
	Status      int
	Error       string
	Description string
}

// The failures. Names say the situation; Replies says what Salesforce answers.
const (
	// authorize (1.3, items 3-12)
	AuthzUnknownClient        Failure = "authorize: unknown client_id"
	AuthzRedirectMissing      Failure = "authorize: redirect_uri missing"
	AuthzRedirectMismatch     Failure = "authorize: redirect_uri not registered"
	AuthzUnsupportedResponse  Failure = "authorize: response_type not code"
	AuthzBadMethod            Failure = "authorize: method not GET"
	AuthzDenied               Failure = "authorize: user clicked Deny"
	AuthzImmediate            Failure = "authorize: immediate without session or approval"
	AuthzInvalidScope         Failure = "authorize: scope not on the app"
	AuthzNotAdminApproved     Failure = "authorize: admin-approved app, user not assigned"
	AuthzInactiveUser         Failure = "authorize: user inactive"
	AuthzPKCERequired         Failure = "authorize: app requires PKCE, no code_challenge"
	AuthzPKCEMethod           Failure = "authorize: code_challenge_method unsupported"
	AuthzFlowDisabled         Failure = "authorize: authorization code flow disabled"
	TokenUnknownClient        Failure = "token: unknown client_id"
	TokenBadSecret            Failure = "token: wrong client_secret"
	TokenMissingSecret        Failure = "token: client_secret required but missing"
	TokenCodeExpired          Failure = "token: code unknown, used or expired"
	TokenRedirectMismatch     Failure = "token: redirect_uri differs from authorize"
	TokenPKCEMismatch         Failure = "token: code_verifier does not match"
	TokenPKCEMissing          Failure = "token: code_verifier missing"
	TokenRefreshExpired       Failure = "token: refresh token unknown, revoked or expired"
	TokenUnsupportedGrant     Failure = "token: unsupported grant_type"
	TokenFlowDisabled         Failure = "token: flow disabled on the app"
	TokenNoRunAsUser          Failure = "token: client credentials without run-as user"
	TokenNoValidScopes        Failure = "token: client credentials, no scope left"
	TokenInvalidAssertion     Failure = "token: JWT malformed or bad signature"
	TokenBadAudience          Failure = "token: JWT aud not accepted"
	TokenAssertionExpired     Failure = "token: JWT exp past or too far"
	TokenUserNotApproved      Failure = "token: JWT user unknown or never approved"
	TokenNotAdminApproved     Failure = "token: JWT admin-approved app, user not assigned"
	TokenInactiveUser         Failure = "token: user inactive"
	TokenMissingGrantParam    Failure = "token: required parameter missing"
	RevokeInvalidToken        Failure = "revoke: token unknown"
	RevokeUnsupportedType     Failure = "revoke: token type not supported"
	IntrospectBadClient       Failure = "introspect: client authentication failed"
	IdentityBadToken          Failure = "identity: token invalid or expired"
	IdentityMissingToken      Failure = "identity: no token"
	IdentityWrongOrg          Failure = "identity: other org"
	IdentityNoAccess          Failure = "identity: other user without api scope"
	BridgeMissingToken        Failure = "ui bridge: no token"
	BridgeQueryToken          Failure = "ui bridge: token in the query string"
	BridgeBadToken            Failure = "ui bridge: token invalid or expired"
	BridgeInvalidScope        Failure = "ui bridge: token without web or full"
	BridgeInvalidParam        Failure = "ui bridge: absolute redirect_uri"
	BridgeAPIOnlyUser         Failure = "ui bridge: API-only user"
	BridgeLOAppInvalid        Failure = "ui bridge: Lightning Out app unknown or disabled"
	BridgeMethodNotAllowed    Failure = "ui bridge: method not GET or POST"
	OrgDown                   Failure = "org: down for maintenance"
	InjectedFailure           Failure = "org: failure injected by FailNext"
	TokenMethodNotAllowed     Failure = "token: method not POST"
	AuthzInvalidCredentialsUI Failure = "authorize: sign-in form, bad username or password"
)

// Replies is the one table of every error the org answers (docs/salesforce.md §6). Entries the
// reference marks UNCONFIRMED say so; Assumptions.ReplyOverrides changes any of them.
var Replies = map[Failure]Reply{
	AuthzUnknownClient:        {302, "invalid_client_id", "client identifier invalid"},
	AuthzRedirectMissing:      {302, "redirect_uri_missing", "redirect_uri not provided"},
	AuthzRedirectMismatch:     {302, "redirect_uri_mismatch", "redirect_uri must match configuration"},
	AuthzUnsupportedResponse:  {302, "unsupported_response_type", "response type not supported"},
	AuthzBadMethod:            {302, "invalid_request", "must use HTTP GET"},
	AuthzDenied:               {302, "access_denied", "end-user denied authorization"},
	AuthzImmediate:            {302, "immediate_unsuccessful", "immediate unsuccessful"},
	AuthzInvalidScope:         {302, "invalid_scope", "requested scope is invalid, unknown, or malformed"},
	AuthzNotAdminApproved:     {302, "OAUTH_APP_ACCESS_DENIED", "user is not admin approved to access this app"},
	AuthzInactiveUser:         {302, "inactive_user", "user is inactive"},
	AuthzPKCERequired:         {302, "invalid_request", "missing required code challenge"},  // UNCONFIRMED
	AuthzPKCEMethod:           {302, "invalid_request", "invalid code challenge method"},    // UNCONFIRMED
	AuthzFlowDisabled:         {302, "invalid_client_id", "app must be installed into org"}, // UNCONFIRMED pairing
	AuthzInvalidCredentialsUI: {200, "", "Please check your username and password. If you still can't log in, contact your Salesforce administrator."},

	TokenUnknownClient:     {400, "invalid_client_id", "client identifier invalid"},
	TokenBadSecret:         {400, "invalid_client", "invalid client credentials"}, // status UNCONFIRMED
	TokenMissingSecret:     {400, "invalid_client", "invalid client credentials"}, // description UNCONFIRMED
	TokenCodeExpired:       {400, "invalid_grant", "expired authorization code"},
	TokenRedirectMismatch:  {400, "redirect_uri_mismatch", "redirect_uri must match configuration"},
	TokenPKCEMismatch:      {400, "invalid_request", "invalid code verifier"}, // description UNCONFIRMED
	TokenPKCEMissing:       {400, "invalid_grant", "invalid code verifier"},   // description UNCONFIRMED
	TokenRefreshExpired:    {400, "invalid_grant", "expired access/refresh token"},
	TokenUnsupportedGrant:  {400, "unsupported_grant_type", "grant type not supported"},
	TokenFlowDisabled:      {400, "invalid_grant", "this grant type is not enabled for this app"}, // UNCONFIRMED
	TokenNoRunAsUser:       {400, "invalid_grant", "no client credentials user enabled"},
	TokenNoValidScopes:     {400, "invalid_grant", "no valid scopes defined"},
	TokenInvalidAssertion:  {400, "invalid_grant", "invalid assertion"},
	TokenBadAudience:       {400, "invalid_grant", "audience is invalid"},
	TokenAssertionExpired:  {400, "invalid_grant", "expired authorization code"},
	TokenUserNotApproved:   {400, "invalid_grant", "user hasn't approved this consumer"},
	TokenNotAdminApproved:  {400, "invalid_app_access", "user is not admin approved to access this app"},
	TokenInactiveUser:      {400, "inactive_user", "user is inactive"},             // description UNCONFIRMED
	TokenMissingGrantParam: {400, "invalid_request", "missing required parameter"}, // UNCONFIRMED
	TokenMethodNotAllowed:  {400, "invalid_request", "must use HTTP POST"},

	RevokeInvalidToken:    {400, "invalid_token", "token was invalid"},
	RevokeUnsupportedType: {400, "unsupported_token_type", "token type not supported"},
	IntrospectBadClient:   {400, "invalid_client", "invalid client credentials"}, // UNCONFIRMED

	IdentityBadToken:     {403, "Bad_OAuth_Token", ""},
	IdentityMissingToken: {403, "Missing_OAuth_Token", ""}, // status UNCONFIRMED
	IdentityWrongOrg:     {403, "Wrong_Org", ""},           // status UNCONFIRMED
	IdentityNoAccess:     {403, "No_Access", ""},           // status UNCONFIRMED

	BridgeMissingToken:     {401, "Missing_OAuth_Token", ""}, // status UNCONFIRMED (401 or 403)
	BridgeQueryToken:       {401, "Missing_OAuth_Token", ""}, // word and status UNCONFIRMED (refused since Spring '25)
	BridgeBadToken:         {403, "Bad_OAuth_Token", ""},
	BridgeInvalidScope:     {403, "Invalid_Scope", ""},
	BridgeInvalidParam:     {400, "Invalid_Param", ""}, // status UNCONFIRMED
	BridgeAPIOnlyUser:      {403, "No_Access", ""},     // word and status UNCONFIRMED
	BridgeLOAppInvalid:     {403, "No_Access", ""},     // word and status UNCONFIRMED
	BridgeMethodNotAllowed: {405, "Method_Not_Allowed", ""},

	OrgDown:         {503, "service_unavailable", "the org is down for maintenance"},
	InjectedFailure: {0, "server_error", "failure injected by devorg FailNext"},
}

// reply looks a failure up, honouring the overrides of Assumptions.
func (o *Org) reply(f Failure) Reply {
	if r, ok := o.cfg.Assumptions.ReplyOverrides[f]; ok {
		return r
	}
	r, ok := Replies[f]
	if !ok {
		// A missing entry is a programming error in devorg; make it loud in tests.
		return Reply{500, "server_error", "devorg: no reply for " + string(f)}
	}
	return r
}

// writeJSONError answers a token-style endpoint.
func (o *Org) writeJSONError(w http.ResponseWriter, f Failure) {
	r := o.reply(f)
	writeJSON(w, r.Status, map[string]string{"error": r.Error, "error_description": r.Description})
}

// writeWord answers an identity or UI Bridge endpoint with Salesforce's bare word. A
// reply without a word is the status alone, with an empty body.
func (o *Org) writeWord(w http.ResponseWriter, f Failure, jsonShape bool) {
	r := o.reply(f)
	w.Header().Set("Cache-Control", "no-store")
	if r.Error == "" {
		w.WriteHeader(r.Status)
		return
	}
	if jsonShape {
		writeJSON(w, r.Status, map[string]string{"error": r.Error})
		return
	}
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	w.WriteHeader(r.Status)
	_, _ = w.Write([]byte(r.Error))
}

// redirectError sends an authorize error back to the client's redirect_uri.
func (o *Org) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, f Failure) {
	rep := o.reply(f)
	v := url.Values{"error": {rep.Error}, "error_description": {rep.Description}}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, appendQuery(redirectURI, v), http.StatusFound)
}

// remoteAccessError is where Salesforce sends authorize errors it cannot redirect to the
// client (1.3): its own page, never the client's redirect_uri.
func (o *Org) remoteAccessError(w http.ResponseWriter, r *http.Request, state string, f Failure) {
	rep := o.reply(f)
	v := url.Values{"error": {rep.Error}, "error_description": {rep.Description}}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, o.Origin()+remoteAccessErrorPath+"?"+v.Encode(), http.StatusFound)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func appendQuery(base string, v url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, vals := range v {
		q[k] = vals
	}
	u.RawQuery = q.Encode()
	return u.String()
}
