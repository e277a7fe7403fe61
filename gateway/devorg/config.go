package devorg

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Permitted-user policies of an External Client App (ECA Policies → Permitted Users).
const (
	// AllSelfAuthorize: "All users may self-authorize"; each user approves the app once
	// on the consent page.
	AllSelfAuthorize = "all_self_authorize"
	// AdminApproved: "Admin approved users are pre-authorized"; only assigned users may
	// use the app, and they are never asked for consent.
	AdminApproved = "admin_approved"
)

// Org types: where the org's users log in and which JWT-bearer audience it accepts.
const (
	// OrgProduction is a production or Developer Edition org (login.salesforce.com).
	OrgProduction = "production"
	// OrgSandbox is a sandbox (test.salesforce.com; My Domain *.sandbox.my.salesforce.com).
	OrgSandbox = "sandbox"
)

// Generic login hosts of Salesforce (docs/salesforce.md §1.1).
const (
	ProductionLoginHost = "https://login.salesforce.com"
	SandboxLoginHost    = "https://test.salesforce.com"
)

// Config describes a whole org. DefaultConfig returns one ready to use.
type Config struct {
	// Origin is the org's My Domain origin (scheme://host[:port]); it is the OIDC
	// issuer and the host of every URL the org hands out. With httptest, leave it empty
	// and call Org.SetOrigin once the server URL is known.
	Origin string
	// OrgID is the 18-character org id (prefix 00D).
	OrgID string
	// OrgType is OrgProduction (default) or OrgSandbox.
	OrgType string
	// LoginHost is the generic login host of the org type (default login.salesforce.com
	// for production, test.salesforce.com for a sandbox). Salesforce puts it in the
	// token response's id (https://login.salesforce.com/id/<org>/<user>) even when the
	// token came from the My Domain, and accepts it as the JWT-bearer aud.
	LoginHost string

	Users  []User
	Apps   []App
	LOApps []LOApp
	// Sites are the org's Experience Cloud sites. The emulator has one host, so a site
	// is served at <Origin><Prefix>: its OIDC discovery (issuer = the site URL),
	// OAuth endpoints, UI Bridge API (frontdoor URLs on the site), frontdoor.jsp, and
	// Lightning Out's <prefix>/lightning-out component pages; its URL is an accepted
	// JWT-bearer audience.
	Sites []Site
	// TrustedLODomains are the host-page origins allowed to frame the org's Lightning
	// Out pages (Session Settings → Trusted Domains for Inline Frames, type Lightning Out).
	TrustedLODomains []string

	// SessionTimeout ends org browser sessions and access tokens (default 2h). The org
	// never tells clients this value: there is no expires_in.
	SessionTimeout time.Duration
	// CodeLifetime is how long an authorization code may be exchanged (default 15m).
	CodeLifetime time.Duration
	// OTPLifetime is how long a frontdoor URL from the UI Bridge API works (default 60s).
	OTPLifetime time.Duration
	// LOAuthTimeout is how long the Lightning Out stand-in waits for its auth page
	// before lo.application.error (0 = the library's 60s).
	LOAuthTimeout time.Duration
	// NoLightningOutLibrary makes the org answer 404 for the Lightning Out 2.0
	// library, as an org without Lightning Out 2.0 (or a wrong My Domain) does.
	NoLightningOutLibrary bool

	// CORSForOAuth is Setup's "Enable CORS for OAuth endpoints"; with CORSAllowedOrigins
	// it decides whether token/revoke/introspect/authorize answer CORS requests.
	CORSForOAuth bool
	// CORSAllowedOrigins is the org's CORS allowlist (exact origins).
	CORSAllowedOrigins []string

	// NoEndSession drops end_session_endpoint from discovery and answers its path
	// 404, like an identity provider without OpenID Connect RP-initiated logout, so a
	// client's fallback (the logout page) can be exercised.
	NoEndSession bool

	// Knobs exposes the test knobs and counters over HTTP under /__devorg/.
	Knobs bool
	// DevBanner marks every HTML page as an emulator and lists the test users on the
	// sign-in page.
	DevBanner bool
	// Logger receives one line per request (never a secret); nil logs nothing.
	Logger *slog.Logger

	// Assumptions holds every behaviour the reference marks UNCONFIRMED.
	Assumptions Assumptions
}

// User is an org user.
type User struct {
	ID       string // 18 characters, prefix 005
	Username string // Salesforce username (what JWT bearer puts in sub)
	Password string
	Name     string // "First Last"
	Email    string
	Active   bool
	// APIOnly is the "API Only User" permission: such users may not bridge into the UI.
	APIOnly bool
}

// App is an External Client App with OAuth enabled.
type App struct {
	Name         string
	ClientID     string // consumer key
	ClientSecret string // consumer secret
	// CallbackURLs must match the authorize redirect_uri exactly.
	CallbackURLs []string
	// Scopes are the selected OAuth scopes (refresh_token also grants offline_access).
	Scopes []string
	// PostLogoutRedirectURIs are where the end-session endpoint may send the browser
	// back after logout (exact match). See Assumptions.EndSessionCallbackOrigins.
	PostLogoutRedirectURIs []string

	// Flow enablement.
	AuthorizationCode bool
	RefreshToken      bool // honours grant_type=refresh_token for tokens issued to this app
	JWTBearer         bool
	// CertificatePEM is the uploaded X.509 certificate (PEM) that verifies JWT assertions.
	CertificatePEM    string
	ClientCredentials bool
	// RunAsUsername is the client-credentials "Run As" user.
	RunAsUsername string

	// Security settings.
	RequirePKCE               bool
	RequireSecretForWebServer bool
	RequireSecretForRefresh   bool
	RefreshTokenRotation      bool

	// Policies.
	PermittedUsers    string // AllSelfAuthorize (default when empty) or AdminApproved
	AssignedUsernames []string
	// RefreshTokenIdleTTL expires a refresh token unused for this long; 0 = valid until
	// revoked (the default policy).
	RefreshTokenIdleTTL time.Duration
}

// Site is an Experience Cloud site of the org.
type Site struct {
	Prefix string // URL path prefix, e.g. /support
}

// LOApp is a Lightning Out 2.0 app from the Lightning Out 2.0 App Manager.
type LOApp struct {
	ID      string // 18 characters, prefix 1Us
	Name    string
	Enabled bool
}

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
		JWTMaxLifetime:              3 * time.Minute,
		IDTokenLifetime:             2 * time.Minute,
		APIOnlyUsersMaySignIn:       true,
		UIBridgeJSONErrors:          false,
		LightningOutScopes:          []string{"api", "lightning"},
		FrontdoorFailureStatus:      200,
		FrontdoorFailureEndsSession: true,
		EndSessionCallbackOrigins:   true,
	}
}

// Default test identities of DefaultConfig.
const (
	DefaultOrgID        = "00Ddevorg00000AAAA"
	DefaultClientID     = "3MVG9devorg.logateway.client"
	DefaultClientSecret = "devorg-client-secret"
	DefaultLOAppID      = "1Usdevorg000000AAA"
)

// DefaultConfig returns an org ready to use: one ECA (DefaultClientID /
// DefaultClientSecret, the given callback URLs, scopes web api lightning id openid
// refresh_token profile email, authorization code + refresh, PKCE required, self-authorize), the users
// alice@devorg.example/alice, bob@devorg.example/bob, api@devorg.example/api (API only)
// and gone@devorg.example/gone (inactive), one enabled Lightning Out app
// (DefaultLOAppID) and hostOrigins as trusted Lightning Out domains.
func DefaultConfig(orgOrigin string, callbackURLs []string, hostOrigins []string) Config {
	return Config{
		Origin: orgOrigin,
		OrgID:  DefaultOrgID,
		Users: []User{
			{ID: "005devorg00000AAAA", Username: "alice@devorg.example", Password: "alice", Name: "Alice Adams", Email: "alice@devorg.example", Active: true},
			{ID: "005devorg00000BAAA", Username: "bob@devorg.example", Password: "bob", Name: "Bob Baker", Email: "bob@devorg.example", Active: true},
			{ID: "005devorg00000CAAA", Username: "api@devorg.example", Password: "api", Name: "Api Only", Email: "api@devorg.example", Active: true, APIOnly: true},
			{ID: "005devorg00000DAAA", Username: "gone@devorg.example", Password: "gone", Name: "Gone Away", Email: "gone@devorg.example", Active: false},
		},
		Apps: []App{{
			Name:              "logateway",
			ClientID:          DefaultClientID,
			ClientSecret:      DefaultClientSecret,
			CallbackURLs:      append([]string(nil), callbackURLs...),
			Scopes:            []string{"web", "api", "lightning", "id", "openid", "refresh_token", "profile", "email"},
			AuthorizationCode: true,
			RefreshToken:      true,
			RequirePKCE:       true,
			PermittedUsers:    AllSelfAuthorize,
		}},
		LOApps:           []LOApp{{ID: DefaultLOAppID, Name: "logateway", Enabled: true}},
		TrustedLODomains: append([]string(nil), hostOrigins...),
		SessionTimeout:   2 * time.Hour,
		CodeLifetime:     15 * time.Minute,
		OTPLifetime:      60 * time.Second,
		DevBanner:        true,
		Assumptions:      DefaultAssumptions(),
	}
}

var (
	orgIDPattern   = regexp.MustCompile(`^00D[A-Za-z0-9]{15}$`)
	userIDPattern  = regexp.MustCompile(`^005[A-Za-z0-9]{15}$`)
	loAppIDPattern = regexp.MustCompile(`^1Us[A-Za-z0-9]{15}$`)
	// A site prefix is one path segment; "services", "secur", "id" and the Lightning
	// paths would shadow the org's own routes.
	sitePrefixPattern = regexp.MustCompile(`^/(?:[a-z0-9][a-z0-9_-]*)$`)
)

// withDefaults fills zero durations and statuses so a hand-built Config works.
func (c Config) withDefaults() Config {
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 2 * time.Hour
	}
	if c.CodeLifetime <= 0 {
		c.CodeLifetime = 15 * time.Minute
	}
	if c.OTPLifetime <= 0 {
		c.OTPLifetime = 60 * time.Second
	}
	if c.Assumptions.JWTMaxLifetime <= 0 {
		c.Assumptions.JWTMaxLifetime = 3 * time.Minute
	}
	if c.Assumptions.IDTokenLifetime <= 0 {
		c.Assumptions.IDTokenLifetime = 2 * time.Minute
	}
	if c.OrgType == "" {
		c.OrgType = OrgProduction
	}
	if c.LoginHost == "" {
		c.LoginHost = ProductionLoginHost
		if c.OrgType == OrgSandbox {
			c.LoginHost = SandboxLoginHost
		}
	}
	c.LoginHost = strings.TrimSuffix(c.LoginHost, "/")
	if c.Assumptions.FrontdoorFailureStatus == 0 {
		c.Assumptions.FrontdoorFailureStatus = 200
	}
	return c
}

func validateOrigin(origin string) error {
	if origin == "" {
		return nil // SetOrigin will provide it
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("devorg: Origin must be scheme://host[:port], got %q", origin)
	}
	return nil
}

func (c Config) validate() error {
	var errs []error
	if err := validateOrigin(c.Origin); err != nil {
		errs = append(errs, err)
	}
	switch c.OrgType {
	case "", OrgProduction, OrgSandbox:
	default:
		errs = append(errs, fmt.Errorf("devorg: OrgType must be %q or %q, got %q", OrgProduction, OrgSandbox, c.OrgType))
	}
	if c.LoginHost != "" {
		if err := validateOrigin(c.LoginHost); err != nil {
			errs = append(errs, fmt.Errorf("devorg: LoginHost: %w", err))
		}
	}
	if !orgIDPattern.MatchString(c.OrgID) {
		errs = append(errs, fmt.Errorf("devorg: OrgID must be 18 characters starting with 00D, got %q", c.OrgID))
	}
	for _, u := range c.Users {
		if err := u.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, a := range c.Apps {
		if err := a.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range c.Sites {
		if !sitePrefixPattern.MatchString(s.Prefix) {
			errs = append(errs, fmt.Errorf("devorg: Sites Prefix must look like /support (one path segment), got %q", s.Prefix))
		}
	}
	for _, l := range c.LOApps {
		if !loAppIDPattern.MatchString(l.ID) {
			errs = append(errs, fmt.Errorf("devorg: LOApps ID must be 18 characters starting with 1Us, got %q", l.ID))
		}
	}
	return errors.Join(errs...)
}

func (u User) validate() error {
	if !userIDPattern.MatchString(u.ID) {
		return fmt.Errorf("devorg: user %q: ID must be 18 characters starting with 005, got %q", u.Username, u.ID)
	}
	if u.Username == "" || !strings.Contains(u.Username, "@") {
		return fmt.Errorf("devorg: user %s: Username must look like an email address, got %q", u.ID, u.Username)
	}
	return nil
}

func (a App) validate() error {
	if a.ClientID == "" {
		return fmt.Errorf("devorg: app %q: ClientID is empty", a.Name)
	}
	switch a.PermittedUsers {
	case "", AllSelfAuthorize, AdminApproved:
	default:
		return fmt.Errorf("devorg: app %q: PermittedUsers must be %q or %q, got %q", a.Name, AllSelfAuthorize, AdminApproved, a.PermittedUsers)
	}
	if a.JWTBearer {
		if _, err := parseCertificate(a.CertificatePEM); err != nil {
			return fmt.Errorf("devorg: app %q: JWTBearer needs CertificatePEM: %w", a.Name, err)
		}
	}
	return nil
}
