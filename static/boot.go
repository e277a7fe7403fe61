package static

// BootVersion is the version of the Boot contract. bootstrap.js reads any
// version it knows the fields of; raise it when a field changes meaning or goes
// away (adding a field the script may ignore does not need a new version).
const BootVersion = 1

// Boot is the one contract between the gateway and bootstrap.js: the JSON of the
// embed page's <script type="application/json" id="lo-boot"> and of GET
// /__lo/boot (for launcher.js). Nothing in it is secret. bootstrap.js's
// normalizeBoot checks every field again, so a page built by hand (or an older
// gateway) gets the same defaults; the values the gateway sends win.
type Boot struct {
	// Version is BootVersion.
	Version int `json:"version"`
	// Mode is "native" (the Lightning Out script and its element) or "sdk" (the ACC
	// Web SDK bundle, which brings its own Lightning Out).
	Mode      string `json:"mode"`
	OrgOrigin string `json:"orgOrigin"`
	// ScriptURL is the Lightning Out script (native) or the SDK bundle (sdk).
	ScriptURL string `json:"scriptURL"`
	AppID     string `json:"appId"`
	// SitePrefix is the Experience Cloud site's path prefix ("" for the org itself).
	SitePrefix string `json:"sitePrefix"`
	// Components are plain Lightning Out components, used when ACC is nil.
	Components []string `json:"components"`
	// ACC is the Agentforce Conversation Client; null means plain-components mode.
	ACC               *ACC   `json:"acc"`
	FrontdoorEndpoint string `json:"frontdoorEndpoint"`
	SessionEndpoint   string `json:"sessionEndpoint"`
	HandoffEndpoint   string `json:"handoffEndpoint"`
	// CookiePartitioned: the session cookie is CHIPS-partitioned, so the Storage
	// Access API cannot reach it from a frame (the popup sign-in is used instead).
	CookiePartitioned bool   `json:"cookiePartitioned"`
	LoginURL          string `json:"loginURL"`
	// SignedIn is true on the embed page of a signed-in visitor; GET /__lo/boot is
	// the same for everyone and always says false (launcher.js asks /__lo/session).
	SignedIn  bool `json:"signedIn"`
	AutoStart bool `json:"autoStart"`
	Popup     bool `json:"popup"`
	// RemintIntervalMs re-mints the frontdoor URL before the org session ends;
	// 0: never (bootstrap.js raises anything shorter than 10 s to 10 s).
	RemintIntervalMs int64 `json:"remintIntervalMs"`
	// SessionTimeoutMs is the org session timeout; 0: derived from RemintIntervalMs.
	SessionTimeoutMs int64 `json:"sessionTimeoutMs"`
	// MaxRetries is how many consecutive failures are retried before the page
	// gives up and offers Reconnect.
	MaxRetries int `json:"maxRetries"`
	// ReadyTimeoutMs is how long a (re)connect may take before the page treats
	// the chat as broken; 0: bootstrap.js's default.
	ReadyTimeoutMs int64 `json:"readyTimeoutMs,omitempty"`
	// ContainerID is the id of the embed page's mount point.
	ContainerID   string `json:"containerId"`
	GatewayOrigin string `json:"gatewayOrigin"`
	DevMode       bool   `json:"devMode"`
}

// ACC is the agentforceClientConfig (docs/salesforce.md §4.2).
type ACC struct {
	AgentID         string            `json:"agentId"`
	AgentLabel      string            `json:"agentLabel,omitempty"`
	RenderingConfig RenderingConfig   `json:"renderingConfig"`
	StyleTokens     map[string]string `json:"styleTokens,omitempty"`
}

// RenderingConfig is agentforceClientConfig.renderingConfig. Width and Height are
// CSS sizes; a bare number ("400") is sent to the ACC as a number of pixels.
type RenderingConfig struct {
	Mode               string `json:"mode,omitempty"` // "floating" (default) or "inline"
	Width              string `json:"width,omitempty"`
	Height             string `json:"height,omitempty"`
	HeaderEnabled      *bool  `json:"headerEnabled,omitempty"`
	ShowHeaderIcon     *bool  `json:"showHeaderIcon,omitempty"`
	ShowAvatar         *bool  `json:"showAvatar,omitempty"`
	HeaderImageURL     string `json:"headerImageUrl,omitempty"`
	HeaderImageAlt     string `json:"headerImageAlt,omitempty"`
	AgentAvatarURL     string `json:"agentAvatarUrl,omitempty"`
	AgentAvatarAltText string `json:"agentAvatarAltText,omitempty"`
}
