package config

import (
	"crypto/rsa"
	"crypto/x509"
	"time"
)

// Config is the whole gateway configuration: one YAML file plus secrets from the
// environment or files. Field names map one-to-one onto YAML keys (snake_case).
type Config struct {
	Listen      string `yaml:"listen" default:":8080"`                // public listener
	AdminListen string `yaml:"admin_listen" default:"127.0.0.1:9090"` // admin listener (metrics, reload, pprof); "off" disables
	// AdminHosts are extra Host names the admin listener answers to (a Service
	// name, say); IP literals, localhost and admin_listen's own host always work.
	// Any other Host is refused, so a DNS-rebinding page cannot reach it.
	AdminHosts []string `yaml:"admin_hosts"`
	// AdminTokenEnv names an environment variable holding a bearer token that
	// every admin request except /healthz must carry (Authorization: Bearer …).
	AdminTokenEnv string      `yaml:"admin_token_env"`
	Log           LogConfig   `yaml:"log"`
	Server        ServerLimit `yaml:"server"`
	Session       Session     `yaml:"session"`
	// TrustedProxies lists CIDRs whose X-Forwarded-* headers are believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	Sites          []Site   `yaml:"sites"`

	// AdminToken is the resolved admin_token_env, filled by Load.
	AdminToken string `yaml:"-"`

	// Dev is set by the loader (never from YAML) when the gateway runs in dev mode
	// against the emulated org; it relaxes the https and Secure-cookie rules.
	Dev bool `yaml:"-"`
	// Sources says where each key's value came from ("file line 7",
	// "env LOGATEWAY_LISTEN", "flag --listen"), by key path; keys absent from it
	// hold their defaults. Filled by Load and ApplyOverrides; see Settings.
	Sources map[string]string `yaml:"-"`
}

// LogConfig chooses the log format and level.
type LogConfig struct {
	Format string `yaml:"format" default:"auto" oneof:"auto text json"` // auto: text on a terminal, JSON otherwise
	Level  string `yaml:"level" default:"info" oneof:"debug info warn error"`
	// Access is the access log: one line per request on stdout, whatever the
	// level. Off when the load balancer in front already logs every request;
	// it costs the gateway about 1 µs of CPU per request, and whatever reads
	// stdout its share (README, Performance).
	Access string `yaml:"access" default:"on" oneof:"on off"`
}

// ServerLimit holds the http.Server timeouts and limits.
type ServerLimit struct {
	ReadHeaderTimeout Duration `yaml:"read_header_timeout" default:"10s"`
	ReadTimeout       Duration `yaml:"read_timeout"`  // 0: no limit (streaming uploads); the header timeout still applies
	WriteTimeout      Duration `yaml:"write_timeout"` // 0: no limit (streaming downloads, SSE)
	// BodyTimeout bounds how long a request body may take: the whole body on
	// the gateway's own routes (sign-out, hand-off, callback, …); on proxied
	// and relayed requests, which may stream long uploads, each pause between
	// two reads. A slow but steady upload through the proxy is not cut; a
	// minimum upload rate is the load balancer's to enforce.
	BodyTimeout    Duration `yaml:"body_timeout" default:"10s"`
	IdleTimeout    Duration `yaml:"idle_timeout" default:"120s"`
	MaxHeaderBytes int      `yaml:"max_header_bytes" default:"65536"` // 64 KiB
	ShutdownGrace  Duration `yaml:"shutdown_grace" default:"10s"`
	Pprof          bool     `yaml:"pprof"` // pprof on the admin listener
	HSTS           HSTS     `yaml:"hsts"`  // Strict-Transport-Security on https sites; "off" disables
}

// HSTS is the Strict-Transport-Security header the gateway sends on its own
// answers (pages, redirects, JSON) of https sites; never on http sites. Written
// as a mapping, or as the scalar off.
type HSTS struct {
	MaxAge            Duration `yaml:"max_age" default:"8760h"` // one year; whole seconds are sent
	IncludeSubdomains bool     `yaml:"include_subdomains"`      // off by default: on an apex domain it would bind every subdomain
	Preload           bool     `yaml:"preload"`                 // needs include_subdomains and max_age of a year or more
	// Off is set by "hsts: off": no header at all.
	Off bool `yaml:"-"`
}

// Session configures the visitor session: cookie, keys, lifetimes and the store.
type Session struct {
	Store string `yaml:"store" default:"memory" oneof:"memory redis"`
	// Keys sign and encrypt the session cookie and (redis) the stored records.
	// The first key writes; all keys read, so keys can be rotated. Each key is
	// at least 32 bytes. Given by env var names or files, never inline outside dev.
	KeysEnv         string   `yaml:"keys_env"`                  // env var holding comma-separated keys
	KeysFile        string   `yaml:"keys_file"`                 // file holding one key per line
	IdleTimeout     Duration `yaml:"idle_timeout" default:"1h"` // sliding
	AbsoluteTimeout Duration `yaml:"absolute_timeout" default:"12h"`
	MaxSessions     int      `yaml:"max_sessions" default:"100000"` // memory store cap
	Redis           Redis    `yaml:"redis"`

	// Keys are the resolved session keys (keys_env or keys_file; random in dev mode
	// when neither is set), filled by Load. Keys[0] writes; all read.
	Keys [][]byte `yaml:"-"`
}

// Redis configures the Redis store (github.com/redis/rueidis).
type Redis struct {
	Addrs        []string `yaml:"addrs"`       // one address: standalone; several: cluster; with master_name: sentinel
	MasterName   string   `yaml:"master_name"` // Sentinel master name
	DB           int      `yaml:"db"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file"`
	TLS          bool     `yaml:"tls"`
	KeyPrefix    string   `yaml:"key_prefix" default:"logateway:"`
	PoolSize     int      `yaml:"pool_size"` // connections for large batches only; commands share one pipelined connection per server
	DialTimeout  Duration `yaml:"dial_timeout" default:"2s"`
	ReadTimeout  Duration `yaml:"read_timeout" default:"1s"`
	WriteTimeout Duration `yaml:"write_timeout" default:"1s"`
	// Each replica answers repeated reads of a session from memory for at
	// most this long, with Redis's server-assisted client-side caching
	// (Redis tells the replica of every change to a session it read, expiry
	// and deletion included; needs Redis 6 or later). "off" reads Redis on
	// every request. 100ms to 10s.
	LocalCacheTTL Duration `yaml:"local_cache_ttl" default:"2s"`

	// Password is the resolved password (password_env or password_file), filled by Load.
	Password string `yaml:"-"`
}

// Site is one public site the gateway serves, chosen by the request's Host.
type Site struct {
	URL             string          `yaml:"url"` // public origin, e.g. https://www.example.com
	Org             Org             `yaml:"org"`
	ECA             ECA             `yaml:"eca"`
	Signin          Signin          `yaml:"signin"`
	LightningOut    LightningOut    `yaml:"lightning_out"`
	ACC             ACC             `yaml:"acc"`
	Embed           Embed           `yaml:"embed"`
	Upstream        Upstream        `yaml:"upstream"`
	ForwardAuth     ForwardAuth     `yaml:"forward_auth"`
	Access          []AccessRule    `yaml:"access"` // path rules, first match wins
	DefaultAccess   string          `yaml:"default_access" default:"public" oneof:"public protected"`
	Inject          Inject          `yaml:"inject"`
	TrustedDomains  []string        `yaml:"trusted_domains"` // exact origins, e.g. https://partner.example.org
	Cookie          Cookie          `yaml:"cookie"`
	IdentityHeaders IdentityHeaders `yaml:"identity_headers"`
	APIRelay        []APIRoute      `yaml:"api_relay"`
	RateLimit       RateLimit       `yaml:"rate_limit"`
}

// Org is the Salesforce org the site signs visitors in to.
type Org struct {
	MyDomain string `yaml:"my_domain"`                                    // https://<name>.my.salesforce.com
	LoginURL string `yaml:"login_url" derived:"site_url, else my_domain"` // the OIDC issuer is discovered from it
	// SiteURL is the Experience Cloud site visitors belong to, with its path prefix
	// (https://acme.my.site.com/support). When set it is the default login_url (OAuth
	// host and OIDC issuer), the default signin.jwt.audience, the host of the UI Bridge
	// call, and its path is Lightning Out's site-prefix.
	SiteURL string `yaml:"site_url"`
	// Issuer is the id_token issuer when the discovery document at login_url names
	// another one than login_url itself (e.g. https://login.salesforce.com while
	// discovery is read at the My Domain).
	Issuer string `yaml:"issuer" derived:"login_url"`
	// SessionTimeout is the org/ECA session timeout; access tokens are treated as
	// expiring this long after issue (Salesforce sends no expires_in).
	SessionTimeout Duration `yaml:"session_timeout" default:"2h"`
	// OrgID, when set (15 or 18 characters, 00D…), makes sign-in refuse an
	// identity from any other org: a login URL or IdP that can reach several
	// orgs (login.salesforce.com, a sandbox) cannot sign in a stranger's user.
	OrgID         string   `yaml:"org_id"`
	RefreshMargin Duration `yaml:"refresh_margin" default:"5m"` // refresh this long before the computed expiry
	Introspect    bool     `yaml:"introspect"`                  // ask the introspection endpoint for exp after each token
	Timeout       Duration `yaml:"timeout" default:"10s"`       // per call to the org
	// CAFile is a PEM bundle of CA certificates trusted, besides the system's
	// roots, for the gateway's calls to the org and to the jwt-bearer IdP (a
	// private CA in front of a test org, a TLS-inspecting corporate proxy).
	CAFile string `yaml:"ca_file"`

	// CAPool is the system roots plus ca_file, filled by Load when ca_file is set.
	CAPool *x509.CertPool `yaml:"-"`
}

// ECA is the External Client App registered in the org.
type ECA struct {
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"client_secret"` // allowed in dev mode only
	ClientSecretEnv  string `yaml:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file"`
	CallbackPath     string `yaml:"callback_path" default:"/callback.html"`
	// The default scopes: api, web and lightning as Salesforce's setup guide for the ACC over
	// Lightning Out 2.0 selects them (web for the UI Bridge), openid for the id_token,
	// refresh_token so the session outlives one access token.
	Scopes []string `yaml:"scopes" default:"api,web,lightning,refresh_token,openid"`
	PKCE   *bool    `yaml:"pkce" default:"true"`
	// UIBridge chooses the frontdoor endpoint: standard (/services/oauth2/singleaccess)
	// or lightning_out (/services/oauth2/lightningoutsingleaccess with the app id).
	UIBridge string `yaml:"ui_bridge" default:"standard" oneof:"standard lightning_out"`

	// Secret is the resolved client secret (from client_secret_env, client_secret_file,
	// or inline in dev mode), filled by Load; never written back to YAML.
	Secret string `yaml:"-"`
}

// Signin configures how visitors sign in.
type Signin struct {
	// Flow: client-credentials is refused for a site that embeds Lightning Out
	// (Salesforce strips the web scope).
	Flow      string  `yaml:"flow" default:"web-server" oneof:"web-server jwt-bearer"`
	AutoStart bool    `yaml:"auto_start"` // embed page starts sign-in at once instead of showing a button
	Popup     bool    `yaml:"popup"`      // launcher signs in through a popup window
	Prompt    string  `yaml:"prompt"`     // passed to authorize (login, consent, select_account)
	IdP       IdP     `yaml:"idp"`        // jwt-bearer: the company's own OIDC provider
	JWT       JWTAuth `yaml:"jwt"`        // jwt-bearer: assertion signing
}

// IdP is the company's own OpenID Connect provider (jwt-bearer flow).
type IdP struct {
	Issuer           string            `yaml:"issuer"`
	ClientID         string            `yaml:"client_id"`
	ClientSecret     string            `yaml:"client_secret"` // dev only
	ClientSecretEnv  string            `yaml:"client_secret_env"`
	ClientSecretFile string            `yaml:"client_secret_file"`
	Scopes           []string          `yaml:"scopes" default:"openid,email,profile"`
	UsernameClaim    string            `yaml:"username_claim" default:"email"`
	UsernameTemplate string            `yaml:"username_template" default:"{{value}}"` // e.g. "{{local}}@example.com.sf" or "{{value}}"
	UsernameMap      map[string]string `yaml:"username_map"`                          // claim value -> Salesforce username, checked first

	// Secret is the resolved IdP client secret, filled by Load.
	Secret string `yaml:"-"`
}

// JWTAuth holds the key that signs JWT bearer assertions.
type JWTAuth struct {
	KeyFile  string `yaml:"key_file"`                                                                                                                                   // PEM RSA private key (0600)
	CertFile string `yaml:"cert_file"`                                                                                                                                  // the certificate uploaded to the ECA, optional, checked against the key
	Audience string `yaml:"audience" derived:"org.site_url, else https://test.salesforce.com for a *.sandbox.my.salesforce.com org, else https://login.salesforce.com"` // my domain or site URL allowed

	// Key is the parsed private key from key_file, filled by Load when a flow needs it
	// (signin.flow jwt-bearer or an api_relay route with service_flow jwt-bearer).
	Key *rsa.PrivateKey `yaml:"-"`
	// Cert is the parsed cert_file, when given; Load has checked it matches Key.
	Cert *x509.Certificate `yaml:"-"`
}

// LightningOut configures the Lightning Out 2.0 app.
type LightningOut struct {
	AppID      string   `yaml:"app_id"`                                                                             // 18-char id starting 1Us
	Components []string `yaml:"components"`                                                                         // plain components mode: LWC tags, e.g. c-my-comp
	ScriptURL  string   `yaml:"script_url" derived:"<my_domain>/lightning/lightning.out.latest/index.iife.prod.js"` // override
	// Bootstrap: native (LO script + ACC wrapper markup) or sdk (ACC Web SDK bundle).
	Bootstrap string `yaml:"bootstrap" default:"native" oneof:"native sdk"`
	SDKURL    string `yaml:"sdk_url"` // sdk mode: URL of the ACC Web SDK IIFE bundle
	// RemintInterval re-mints the frontdoor URL proactively.
	RemintInterval Duration `yaml:"remint_interval" derived:"3/4 of org.session_timeout"`
}

// ACC configures the Agentforce Conversation Client.
type ACC struct {
	AgentID        string            `yaml:"agent_id"` // ^0Xx[a-zA-Z0-9]{15}$
	AgentLabel     string            `yaml:"agent_label"`
	Mode           string            `yaml:"mode" default:"floating" oneof:"floating inline"`
	HeaderEnabled  *bool             `yaml:"header_enabled"`
	ShowHeaderIcon *bool             `yaml:"show_header_icon"`
	ShowAvatar     *bool             `yaml:"show_avatar"`
	Width          string            `yaml:"width"`
	Height         string            `yaml:"height"`
	HeaderImageURL string            `yaml:"header_image_url"`
	HeaderImageAlt string            `yaml:"header_image_alt"`
	AgentAvatarURL string            `yaml:"agent_avatar_url"`
	AgentAvatarAlt string            `yaml:"agent_avatar_alt"`
	StyleTokens    map[string]string `yaml:"style_tokens"`
	Disabled       bool              `yaml:"disabled"` // site embeds plain components only
}

// Embed configures the page that bootstraps the ACC.
type Embed struct {
	Path  string `yaml:"path" default:"/__lo/embed"` // "off" disables
	Title string `yaml:"title"`                      // page title
}

// Upstream is the site behind the gateway.
type Upstream struct {
	URL                 string   `yaml:"url"`                   // http(s)://host:port; empty: the gateway serves only its own routes
	Timeout             Duration `yaml:"timeout" default:"30s"` // response header timeout
	DialTimeout         Duration `yaml:"dial_timeout" default:"5s"`
	MaxIdleConnsPerHost int      `yaml:"max_idle_conns_per_host" default:"256"`
	TLSCAFile           string   `yaml:"tls_ca_file"`
	TLSInsecure         bool     `yaml:"tls_insecure_skip_verify"` // dev only
	TLSServerName       string   `yaml:"tls_server_name"`
}

// ForwardAuth is the mode for sites whose own reverse proxy (nginx, Caddy, Traefik,
// Envoy, an ingress) keeps serving the pages: the proxy routes only the gateway's
// routes to it and asks GET /__lo/auth before every other request. The site has no
// upstream then, and trusted_proxies must list the proxy's addresses.
type ForwardAuth struct {
	Enabled bool `yaml:"enabled"` // forward-auth mode instead of full proxy
	// SigninRedirect: false answers an anonymous visitor on a protected
	// path with 401 and the sign-in URL in X-Lo-Signin (nginx auth_request,
	// ingress-nginx); true answers page loads with a 302 to sign-in, for proxies that
	// pass the answer to the browser (Caddy forward_auth, Traefik ForwardAuth, Envoy).
	SigninRedirect bool `yaml:"signin_redirect"`
}

// Mode names how a site is served: "full-proxy" (an upstream), "forward-auth", or
// "gateway-only" (the gateway's own routes, no upstream).
func (s *Site) Mode() string {
	switch {
	case s.ForwardAuth.Enabled:
		return "forward-auth"
	case s.Upstream.URL != "":
		return "full-proxy"
	}
	return "gateway-only"
}

// AccessRule decides whether a path needs a session.
type AccessRule struct {
	Path   string `yaml:"path"` // path prefix ("/app/") or exact path ("/account"); "/x/*" style not needed
	Access string `yaml:"access" oneof:"public protected"`
}

// Inject adds the launcher tag to upstream HTML pages.
type Inject struct {
	Enabled bool     `yaml:"enabled"`
	Paths   []string `yaml:"paths"` // path prefixes; empty = all
}

// Cookie sets the session cookie's cross-site mode.
type Cookie struct {
	// SameSite: none when a trusted domain on another site frames the embed; needs https.
	SameSite    string `yaml:"same_site" default:"lax" oneof:"lax none"`
	Partitioned bool   `yaml:"partitioned"` // CHIPS, with same_site none
	// CrossSite is what happens, with same_site none, to a cross-site unsafe
	// request (POST, PUT, PATCH, DELETE, …) or WebSocket handshake whose Origin
	// is neither the site nor a trusted domain: anonymous (proxied without the
	// session, as a SameSite=Lax cookie would have been withheld) or refuse (403).
	CrossSite string `yaml:"cross_site" default:"anonymous" oneof:"anonymous refuse"`
}

// IdentityHeaders names the headers the upstream receives; "" uses the default, "-" disables one.
type IdentityHeaders struct {
	User              string `yaml:"user" default:"X-Forwarded-User"` // the Salesforce username
	Email             string `yaml:"email" default:"X-Forwarded-Email"`
	PreferredUsername string `yaml:"preferred_username" default:"X-Forwarded-Preferred-Username"`
	OrgID             string `yaml:"org_id" default:"X-Forwarded-Org-Id"`
	UserID            string `yaml:"user_id" default:"X-Forwarded-User-Id"`
	Name              string `yaml:"name" default:"X-Forwarded-Name"`
}

// APIRoute relays a path prefix to the org's APIs with a token the browser never sees.
type APIRoute struct {
	Prefix   string `yaml:"prefix"`                                      // e.g. /__lo/api/ ; stripped before forwarding
	Target   string `yaml:"target" derived:"the session's instance_url"` // base URL
	Identity string `yaml:"identity" default:"visitor" oneof:"visitor service"`
	// Service identity: jwt-bearer as Username with signin.jwt's key, or client-credentials.
	ServiceFlow     string `yaml:"service_flow" oneof:"jwt-bearer client-credentials"`
	ServiceUsername string `yaml:"service_username"`
}

// RateLimit bounds per-session frontdoor minting.
type RateLimit struct {
	FrontdoorPerMinute int `yaml:"frontdoor_per_minute" default:"30"`
}

// Duration is a time.Duration read from YAML as "90s", "5m", "2h".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
