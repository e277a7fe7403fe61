package devorg

import (
	"log/slog"
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
