package salesforce

import (
	"fmt"
	"strings"
)

// hintRule matches an error by code (exact, because Salesforce uses both
// invalid_scope and Invalid_Scope with different meanings; "" = any code), by
// a lower-case substring of the description ("" = any), and optionally by grant.
type hintRule struct {
	code  string
	desc  string
	grant string
	hint  string
}

// hintRules is ordered: the first match wins, so specific descriptions come
// before the catch-all for their code. Texts name the ECA screen or the gateway
// setting to change (docs/salesforce.md §1.3, 1.4, 1.13, 2.1, 5.2, 5.5).
var hintRules = []hintRule{
	{code: "redirect_uri_mismatch", hint: "the Callback URL in the External Client App must be exactly the gateway's callback URL (ECA → OAuth Settings → Callback URL) — the site url followed by eca.callback_path, same scheme, host, port and path, no trailing slash; changes take up to 10 minutes to apply"},
	{code: "redirect_uri_missing", hint: "no redirect_uri reached Salesforce: the gateway must send its callback URL (site url + eca.callback_path), which must be listed as a Callback URL in the External Client App"},
	{desc: "app must be installed", hint: "the External Client App is not installed in this org (or the authorization code flow is off for it): install it, enable OAuth and the Authorization Code and Credentials Flow (ECA → OAuth Settings → Flow Enablement), or point org.my_domain / org.login_url at the org that owns it"},
	{code: "invalid_client_id", hint: "Salesforce does not know this consumer key: set eca.client_id to the Consumer Key shown in the External Client App (ECA → OAuth Settings → Consumer Key and Secret) of this org, and check org.login_url points at the same org; for JWT bearer the assertion's iss is eca.client_id"},
	{code: "invalid_client", desc: "app must be installed", hint: "the External Client App is not installed in this org: install it or point org.my_domain / org.login_url at the org that owns it"},
	{code: "invalid_client", hint: "client secret wrong (ECA → OAuth Settings → Consumer Key and Secret): set eca.client_secret_env or eca.client_secret_file to the Consumer Secret; Salesforce checks a secret that is sent even when the flow does not require one"},
	{code: "invalid_app_access", hint: "the user is not admin-approved for this app: in the External Client App, Policies → Permitted Users is 'Admin approved users are pre-authorized', so assign the user's profile or a permission set in the app's policies (and assign that permission set to the user)"},
	{code: "OAUTH_APP_ACCESS_DENIED", hint: "the user is not admin-approved for this app: in the External Client App, Policies → Permitted Users → assign the user's profile or a permission set"},
	{code: "invalid_grant", desc: "not enabled", grant: GrantJWTBearer, hint: "enable the JWT Bearer flow in the ECA: External Client App → OAuth Settings → Flow Enablement → Enable JWT Bearer Flow, and upload the certificate of signin.jwt.key_file (logateway keygen makes both)"},
	{code: "invalid_grant", desc: "not enabled", grant: GrantClientCredentials, hint: "enable the Client Credentials flow in the ECA: External Client App → OAuth Settings → Flow Enablement → Enable Client Credentials Flow, with a Run As user"},
	{code: "invalid_grant", desc: "not enabled", grant: GrantRefreshToken, hint: "the ECA does not honour refresh tokens: select 'Perform requests at any time (refresh_token, offline_access)' in the ECA's Selected OAuth Scopes and keep refresh_token in eca.scopes, then sign in again"},
	{code: "invalid_grant", desc: "not enabled", hint: "the flow is not enabled in the ECA: External Client App → OAuth Settings → Flow Enablement → enable the flow signin.flow uses (Authorization Code and Credentials for web-server, JWT Bearer for jwt-bearer)"},
	{code: "invalid_grant", desc: "code verifier", hint: "the PKCE code_verifier did not reach Salesforce with the code: start sign-in again; if it repeats, check nothing between the gateway and the org rewrites the token request"},
	{code: "invalid_grant", desc: "hasn't approved this consumer", hint: "the user has not pre-authorized this app: set ECA Policies → Permitted Users to 'Admin approved users are pre-authorized' and add the user's profile or a permission set (or have the user approve the app once interactively); also check the mapped Salesforce username (signin.idp.username_claim / username_map) exists in this org"},
	{code: "invalid_grant", desc: "audience", hint: "Salesforce rejected the assertion's aud: set signin.jwt.audience to https://login.salesforce.com (production), https://test.salesforce.com (sandbox), the Experience Cloud site URL, or the org's My Domain URL — never the token endpoint URL"},
	{code: "invalid_grant", desc: "expired authorization code", grant: GrantJWTBearer, hint: "the assertion's exp was refused: it must be in seconds and within 3 minutes of Salesforce's clock — check this machine's clock (NTP) and that the assertion lifetime is at most 3 minutes"},
	{code: "invalid_grant", desc: "expired authorization code", hint: "the authorization code was already used or is older than 15 minutes: start sign-in again (a reloaded or replayed callback causes this); if it follows a JWT bearer call, check this machine's clock and the assertion's exp (seconds, ≤3 minutes)"},
	{code: "invalid_grant", desc: "invalid assertion", hint: "the assertion's signature did not verify: the certificate uploaded to the ECA (OAuth Settings → Enable JWT Bearer Flow) does not match signin.jwt.key_file; upload the certificate made with that key (logateway keygen) or point signin.jwt.key_file at the right key"},
	{code: "invalid_grant", desc: "expired access/refresh token", hint: "the refresh token was revoked or expired under the ECA's refresh token policy (Policies → OAuth Policies → Refresh Token Policy): the user must sign in again"},
	{code: "invalid_grant", desc: "ip restricted", hint: "the login was refused by IP restrictions: relax IP restrictions in the ECA policies (IP Relaxation) or add the gateway's egress address to the profile's Login IP Ranges"},
	{code: "invalid_grant", desc: "no client credentials user enabled", hint: "client credentials needs a Run As user: ECA → OAuth Settings → Flow Enablement → Enable Client Credentials Flow and choose the Run As user"},
	{code: "invalid_grant", desc: "no valid scopes", hint: "the app has no usable scope for this flow: select OAuth scopes in the External Client App (ECA → OAuth Settings → Selected OAuth Scopes)"},
	{code: "invalid_grant", desc: "authentication failure", hint: "the username or password was wrong"},
	{code: "invalid_grant", desc: "login hours", hint: "the user is outside the profile's login hours or IP ranges (Setup → Profiles → Login Hours / Login IP Ranges)"},
	{code: "invalid_grant", hint: "Salesforce refused the grant: the code, refresh token or assertion is no longer valid — the user must sign in again; if it repeats, check the External Client App's policies"},
	{code: "invalid_scope", hint: "a requested scope is not selected on the External Client App: make eca.scopes a subset of ECA → OAuth Settings → Selected OAuth Scopes (space-separated, no commas)"},
	{code: "Invalid_Scope", hint: "the access token lacks the web (or full) scope the UI Bridge API needs: add 'Manage user data via Web browsers (web)' to the ECA's Selected OAuth Scopes and to eca.scopes, then sign in again (old tokens keep their old scopes); client credentials tokens never carry web"},
	{code: "Bad_OAuth_Token", hint: "the access token is expired or revoked (session timeout, logout, revoked refresh token) or is not an OAuth token: the gateway refreshes once; if it repeats, set org.session_timeout to the ECA's session timeout and check the refresh token policy"},
	{code: "INVALID_SESSION_ID", hint: "the access token is expired or revoked: the gateway refreshes once; if it repeats, set org.session_timeout to the ECA's session timeout"},
	{code: "Missing_OAuth_Token", hint: "no access token reached Salesforce: something between the gateway and the org strips the Authorization header, or the session has no token — report this as a gateway bug"},
	{code: "Invalid_Param", hint: "Salesforce refused a parameter of the UI Bridge call: the landing path must be relative to the org (lightning/... or /lightning/...), never an absolute URL"},
	{code: "No_Access", hint: "the user may not open a UI session: users with the 'API Only User' permission cannot use the UI Bridge API (since Spring '26); check the user's profile and, for Lightning Out, that the Lightning Out app is enabled and lightning_out.app_id is right"},
	{code: "Wrong_Org", hint: "the token belongs to another org or site: org.my_domain must be the org (or Experience Cloud site) that issued the token"},
	{code: "inactive_user", hint: "the Salesforce user is inactive or frozen: reactivate or unfreeze it in Setup → Users"},
	{code: "inactive_org", hint: "the org is locked, closed or suspended: contact the org's Salesforce admin"},
	{code: "rate_limit_exceeded", hint: "Salesforce's login rate limit for this user was exceeded: wait and retry, and check nothing signs in in a loop"},
	{code: "unsupported_grant_type", grant: GrantJWTBearer, hint: "enable the JWT Bearer flow in the ECA (OAuth Settings → Flow Enablement → Enable JWT Bearer Flow); if it is on, check org.login_url points at the org"},
	{code: "unsupported_grant_type", hint: "the flow is not enabled: ECA → OAuth Settings → Flow Enablement (authorization code, JWT bearer, or client credentials as signin.flow needs)"},
	{code: "oauth_flow_disabled", hint: "the flow is disabled for this app or org: ECA → OAuth Settings → Flow Enablement, and the org's OAuth and OpenID Connect Settings"},
	{code: "app_not_found", hint: "Salesforce found no app for this request: check eca.client_id, and for JWT bearer try the org's My Domain URL as signin.jwt.audience (test.salesforce.com can fail for External Client Apps)"},
	{code: "invalid_request", desc: "code challenge", hint: "the ECA requires PKCE and the authorize request's code_challenge was missing or not S256: keep eca.pkce true (the default) so the gateway sends an S256 challenge"},
	{code: "invalid_request", desc: "must use http", hint: "the org saw the wrong HTTP method: something between the gateway and the org (a proxy, a redirect from http to https) changes the request; point org.my_domain / org.login_url at the org's https origin"},
	{code: "invalid_request", desc: "missing required parameter", hint: "a required parameter did not reach the org: check nothing between the gateway and the org strips the form body; report it as a gateway bug if it repeats"},
	{code: "invalid_request", hint: "Salesforce refused the request's form: with PKCE this is a code_verifier that does not match the code_challenge — start sign-in again; if it repeats, check nothing rewrites the callback"},
	{code: "unsupported_response_type", hint: "the org refused response_type=code: the gateway always sends code, so something rewrote the authorize URL; check org.login_url points at the org"},
	{code: "Method_Not_Allowed", hint: "the UI Bridge API refused the HTTP method: the gateway POSTs; something between the gateway and the org changes the request method"},
	{code: "access_denied", hint: "the user clicked Deny on Salesforce's approval page"},
	{code: "immediate_unsuccessful", hint: "silent sign-in needed the user to log in or approve: sign in interactively"},
	{code: "invalid_token", hint: "the token is already invalid (revoked or expired); nothing to do"},
	{code: "unsupported_token_type", hint: "the revoke call sent something that is not an access or refresh token"},
	{code: "server_error", hint: "Salesforce had an internal error: retry later"},
	{code: "service_unavailable", hint: "Salesforce is unavailable (maintenance?): retry later"},
	{code: "system_down", hint: "Salesforce is down for maintenance: retry later"},
	{desc: "external client app is not installed", hint: "the External Client App is not installed for this org or user: install it in the org (Setup → External Client App Manager) and check its policies"},
}

// Hint says, for an admin, what to change so the call succeeds. It never
// contains a token.
func (e *Error) Hint() string {
	desc := strings.ToLower(e.Description)
	for _, r := range hintRules {
		if r.code != "" && r.code != e.Code {
			continue
		}
		if r.desc != "" && !strings.Contains(desc, r.desc) {
			continue
		}
		if r.grant != "" && r.grant != e.Grant {
			continue
		}
		return r.hint
	}
	// Salesforce is not consistent about case in some words; try again ignoring it.
	for _, r := range hintRules {
		if r.code != "" && strings.EqualFold(r.code, e.Code) && r.desc == "" && r.grant == "" {
			return r.hint
		}
	}
	switch {
	case e.Status == 429 || e.Status >= 500:
		return fmt.Sprintf("Salesforce answered HTTP %d: retry later; if it persists, check trust.salesforce.com", e.Status)
	case e.Code == "" && (e.Endpoint == "singleaccess" || e.Endpoint == "lightningoutsingleaccess") && (e.Status == 401 || e.Status == 403):
		return "the UI Bridge API refused the access token without naming why (an expired or revoked token gets a bare 403): the gateway refreshes once and retries; if it repeats, set org.session_timeout to the ECA's session timeout and check the refresh token policy"
	case e.Code == "":
		return fmt.Sprintf("Salesforce's %s endpoint answered HTTP %d without an error code: check org.my_domain / org.login_url point at the org, not at a proxy or another site", e.Endpoint, e.Status)
	}
	return fmt.Sprintf("no specific advice for %q; check the External Client App's OAuth settings and policies", e.Code)
}
