package devorg

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Paths the org answers (its route surface is mapped in routes).
const (
	discoveryPath         = "/.well-known/openid-configuration"
	keysPath              = "/id/keys"
	keysAltPath           = "/services/oauth2/id/keys"
	authorizePath         = "/services/oauth2/authorize"
	tokenPath             = "/services/oauth2/token"
	revokePath            = "/services/oauth2/revoke"
	introspectPath        = "/services/oauth2/introspect"
	userinfoPath          = "/services/oauth2/userinfo"
	singleAccessPath      = "/services/oauth2/singleaccess"
	loSingleAccessPath    = "/services/oauth2/lightningoutsingleaccess"
	frontdoorPath         = "/secur/frontdoor.jsp"
	logoutPath            = "/secur/logout.jsp"
	endSessionPath        = "/services/auth/idp/oidc/logout"
	faviconPath           = "/favicon.ico"
	remoteAccessErrorPath = "/setup/secur/RemoteAccessErrorPage.apexp"
	knobsPrefix           = "/__devorg/"
)

// Org is an emulated Salesforce org. It is safe for concurrent use.
type Org struct {
	cfg    Config
	logger *slog.Logger
	mux    *http.ServeMux
	now    func() time.Time

	mu             sync.Mutex
	origin         string
	users          map[string]*User // by username (lower-case)
	usersByID      map[string]*User
	apps           map[string]*App // by client id
	loApps         map[string]LOApp
	trustedDomains []string
	sessionTimeout time.Duration
	keys           []*signingKey // last one signs
	codes          map[string]*authCode
	access         map[string]*accessToken
	refresh        map[string]*refreshToken
	sessions       map[string]*browserSession
	otps           map[string]*oneTimePass
	approvals      map[approval]bool
	knobs          knobState
	counts         map[string]int
}

type approval struct{ userID, clientID string }

// New builds an org from cfg. Zero durations get their defaults.
func New(cfg Config) (*Org, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	o := &Org{
		cfg:            cfg,
		logger:         cfg.Logger,
		now:            time.Now,
		origin:         strings.TrimSuffix(cfg.Origin, "/"),
		users:          map[string]*User{},
		usersByID:      map[string]*User{},
		apps:           map[string]*App{},
		loApps:         map[string]LOApp{},
		trustedDomains: append([]string(nil), cfg.TrustedLODomains...),
		sessionTimeout: cfg.SessionTimeout,
		codes:          map[string]*authCode{},
		access:         map[string]*accessToken{},
		refresh:        map[string]*refreshToken{},
		sessions:       map[string]*browserSession{},
		otps:           map[string]*oneTimePass{},
		approvals:      map[approval]bool{},
		counts:         map[string]int{},
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	for _, u := range cfg.Users {
		o.addUser(u)
	}
	for _, a := range cfg.Apps {
		if err := o.addApp(a); err != nil {
			return nil, err
		}
	}
	for _, l := range cfg.LOApps {
		o.loApps[l.ID] = l
	}
	key, err := newSigningKey()
	if err != nil {
		return nil, fmt.Errorf("devorg: generating the id_token signing key: %w", err)
	}
	o.keys = []*signingKey{key}
	o.mux = o.routes()
	return o, nil
}

// SetOrigin sets the org's origin (for httptest: call once the server URL is known and
// before the first request).
func (o *Org) SetOrigin(origin string) {
	o.mu.Lock()
	o.origin = strings.TrimSuffix(origin, "/")
	o.mu.Unlock()
}

// Origin is the org's My Domain origin: the OIDC issuer and the host of every URL it
// hands out.
func (o *Org) Origin() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.origin
}

// OrgID is the org's 18-character id.
func (o *Org) OrgID() string { return o.cfg.OrgID }

// AddApp registers (or replaces) an External Client App.
func (o *Org) AddApp(a App) error {
	if err := a.validate(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.addApp(a)
}

// AddUser registers (or replaces) a user.
func (o *Org) AddUser(u User) error {
	if err := u.validate(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.addUser(u)
	return nil
}

// Approve records that username has approved clientID on the consent page, as if they
// had clicked Allow once (what a self-authorize JWT-bearer app needs, 5.2).
func (o *Org) Approve(username, clientID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[strings.ToLower(username)]
	if u == nil {
		return fmt.Errorf("devorg: Approve: no user %q", username)
	}
	o.approvals[approval{u.ID, clientID}] = true
	return nil
}

// TrustedLODomains are the host-page origins allowed to frame the org's pages.
func (o *Org) TrustedLODomains() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.trustedDomains...)
}

// LOAppEnabled reports whether a Lightning Out 2.0 app exists and is enabled.
func (o *Org) LOAppEnabled(appID string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.loApps[appID]
	return ok && a.Enabled
}

func (o *Org) addUser(u User) {
	cp := u
	o.users[strings.ToLower(u.Username)] = &cp
	o.usersByID[u.ID] = &cp
}

func (o *Org) addApp(a App) error {
	cp := a
	cp.CallbackURLs = append([]string(nil), a.CallbackURLs...)
	cp.Scopes = append([]string(nil), a.Scopes...)
	cp.PostLogoutRedirectURIs = append([]string(nil), a.PostLogoutRedirectURIs...)
	if cp.PermittedUsers == "" {
		cp.PermittedUsers = AllSelfAuthorize
	}
	o.apps[a.ClientID] = &cp
	return nil
}

// lookups under o.mu

func (o *Org) app(clientID string) *App {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.apps[clientID]
}

func (o *Org) userByName(username string) *User {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.users[strings.ToLower(username)]
}

func (o *Org) userByID(id string) *User {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.usersByID[id]
}

// assigned reports whether an admin-approved app is assigned to the user.
func (a *App) assigned(u *User) bool {
	for _, name := range a.AssignedUsernames {
		if strings.EqualFold(name, u.Username) {
			return true
		}
	}
	return false
}

func (a *App) hasCallback(uri string) bool {
	for _, c := range a.CallbackURLs {
		if c == uri { // exact: scheme, host, port, path, no trailing-slash leniency
			return true
		}
	}
	return false
}

// identityURL is the user's identity URL as Salesforce writes it: on the generic login
// host of the org type, not on the host the token came from.
func (o *Org) identityURL(userID string) string {
	return o.cfg.LoginHost + "/id/" + o.cfg.OrgID + "/" + userID
}

// issuerFor is the iss of id_tokens and the discovery document's issuer for a request:
// the site URL for a request through an Experience Cloud site, else the My Domain (or
// the login host, Assumptions.IssuerIsLoginHost).
func (o *Org) issuerFor(r *http.Request) string {
	if site := siteOf(r); site != "" {
		return o.Origin() + site
	}
	if o.cfg.Assumptions.IssuerIsLoginHost {
		return o.cfg.LoginHost
	}
	return o.Origin()
}

// baseFor is the base URL of the org's endpoints as the request reached them: the
// site URL for a request through an Experience Cloud site, else the My Domain.
func (o *Org) baseFor(r *http.Request) string {
	return o.Origin() + siteOf(r)
}

// LoginHost is the generic login host of the org's type.
func (o *Org) LoginHost() string { return o.cfg.LoginHost }
