package devorg

import "time"

// Assumptions are the reference's UNCONFIRMED facts, each with the reference's default
// (see DefaultAssumptions). Change one when a real org is observed to differ.
type Assumptions struct {
	// OmittedScopeGrantsAppScopes: an authorize request without scope gets the app's
	// scopes (1.2). When false it gets none beyond the implicit ones.
	OmittedScopeGrantsAppScopes bool
	// RejectUnknownScope: a requested scope not on the app fails with invalid_scope
	// (docs/salesforce.md §1.2). When false such scopes are dropped silently.
	RejectUnknownScope bool
	// AcceptPlainPKCE accepts code_challenge_method=plain (1.2 treats it as unsupported).
	AcceptPlainPKCE bool
	// AcceptBasicClientAuth accepts client_id/client_secret in an HTTP Basic header as well
	// as in the form (1.7).
	AcceptBasicClientAuth bool
	// RevokeAcceptsGET answers GET /services/oauth2/revoke?token=… (1.8).
	RevokeAcceptsGET bool
	// CodeReuseRevokesTokens revokes the tokens issued from a code when that code is
	// presented again (RFC 6749 recommends it; 1.5 does not know).
	CodeReuseRevokesTokens bool
	// RefreshReturnsIDToken adds an id_token to refresh responses when openid was
	// granted (1.6).
	RefreshReturnsIDToken bool
	// JWTBearerSignsResponse adds issued_at and signature to the JWT-bearer response
	// (5.4: a published example has neither).
	JWTBearerSignsResponse bool
	// JWTAudiences are further accepted JWT-bearer aud values, besides the login host of
	// the org type (LoginHost) and, with JWTAcceptOriginAudience, the org's own origin.
	// Salesforce accepts only the audience that fits the org (5.3).
	JWTAudiences []string
	// JWTAcceptOriginAudience accepts the org's My Domain origin as aud (5.3).
	JWTAcceptOriginAudience bool
	// JWTMaxLifetime is how far in the future exp may be (3 minutes, 5.3).
	JWTMaxLifetime time.Duration
	// IDTokenLifetime is the id_token validity (1.12).
	IDTokenLifetime time.Duration
	// APIOnlyUsersMaySignIn lets an API-only user sign in on the authorize page, so the
	// UI Bridge refusal can be exercised with a real token.
	APIOnlyUsersMaySignIn bool
	// LOBridgeChecksAppFirst makes /services/oauth2/lightningoutsingleaccess refuse an
	// unknown or disabled Lightning Out app id before it looks at the access token
	// (2.2: the order of its checks is UNCONFIRMED). When false the token is checked
	// first, so a caller without a token learns nothing about the app.
	LOBridgeChecksAppFirst bool
	// UIBridgeJSONErrors answers UI Bridge errors as {"error":word} JSON instead of the
	// bare word as text/plain (2.1: shape UNCONFIRMED).
	UIBridgeJSONErrors bool
	// IssuerIsLoginHost serves the discovery document at the My Domain with the login
	// host (LoginHost) as issuer, and signs id_tokens with that iss: which issuer a real
	// org names there is not documented (1.11); the gateway's org.issuer handles it.
	IssuerIsLoginHost bool
	// UIBridgeSilentBadToken answers an expired, revoked or unknown token at the UI
	// Bridge API with a bare 403 and an empty body instead of Bad_OAuth_Token (2.1: the
	// word is not guaranteed; Salesforce's own helper refreshes on any 401/403).
	UIBridgeSilentBadToken bool
	// LightningOutScopes are the scopes the access token behind a bridged org session
	// must carry for the Lightning Out app to load (Salesforce's ACC setup guide selects
	// api, web and lightning; the refusal itself is undocumented). Empty relaxes it.
	LightningOutScopes []string
	// FrontdoorFailureStatus is the status of the login page shown when a frontdoor URL
	// is reused, expired or unknown (Salesforce's login page answers 200).
	FrontdoorFailureStatus int
	// FrontdoorFailureEndsSession ends an org browser session the browser already had
	// when a frontdoor URL fails, so a reused or expired URL never leaves a working
	// session behind (the reference does not say what Salesforce does).
	FrontdoorFailureEndsSession bool
	// EndSessionCallbackOrigins also accepts, as post_logout_redirect_uri, any URL on
	// the origin of one of the app's callback URLs (Salesforce's exact rule for the
	// end-session endpoint is not documented in the reference). When false, only the
	// app's PostLogoutRedirectURIs are accepted.
	EndSessionCallbackOrigins bool
	// LOComponentReportsSessionEnd makes the Lightning Out stand-in's components
	// post lo.error (lo.component.error on the host) when their org session has
	// ended. Salesforce documents no such signal, so it is off by default; the
	// gateway's recovery must work without it and is tested both ways.
	LOComponentReportsSessionEnd bool
	// ReplyOverrides replaces entries of the error table (Replies) by key, for the
	// statuses, words and descriptions the reference could not confirm.
	ReplyOverrides map[Failure]Reply
}

// DefaultAssumptions returns the reference's default for every UNCONFIRMED fact.
func DefaultAssumptions() Assumptions {
	return Assumptions{
		OmittedScopeGrantsAppScopes: true,
		RejectUnknownScope:          true,
		AcceptPlainPKCE:             false,
		AcceptBasicClientAuth:       true,
		RevokeAcceptsGET:            true,
		CodeReuseRevokesTokens:      false,
		RefreshReturnsIDToken:       true,
		JWTBearerSignsResponse:      false,
		JWTAcceptOriginAudience:     true,
		JWTMaxLifetime:              defaultJWTMaxLifetime,
		IDTokenLifetime:             defaultIDTokenLifetime,
		APIOnlyUsersMaySignIn:       true,
		UIBridgeJSONErrors:          false,
		LightningOutScopes:          []string{"api", "lightning"},
		FrontdoorFailureStatus:      defaultFrontdoorFailureStatus,
		FrontdoorFailureEndsSession: true,
		EndSessionCallbackOrigins:   true,
	}
}
