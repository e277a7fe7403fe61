package devorg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is the YAML form of an org, read by `logateway devorg --config FILE`. Every
// key is optional: what is left out keeps DefaultConfig's value (its users, its ECA,
// its Lightning Out app), so a file names only what differs. Keys are snake_case
// versions of Config's fields.
type File struct {
	// PublicURL is the org's origin as browsers and the gateway reach it (behind a TLS
	// proxy); empty = http://<listen>. The --public-url flag wins over it.
	PublicURL string `yaml:"public_url"`
	// Listen is the address to listen on; the --listen flag wins over it.
	Listen string `yaml:"listen"`

	OrgID     string `yaml:"org_id"`
	OrgType   string `yaml:"org_type"`   // production (default) or sandbox
	LoginHost string `yaml:"login_host"` // default by org_type

	SessionTimeout time.Duration `yaml:"session_timeout"`
	CodeLifetime   time.Duration `yaml:"code_lifetime"`
	OTPLifetime    time.Duration `yaml:"otp_lifetime"`
	LOAuthTimeout  time.Duration `yaml:"lo_auth_timeout"`

	TrustedLODomains   []string `yaml:"trusted_lo_domains"`
	CORSForOAuth       bool     `yaml:"cors_for_oauth"`
	CORSAllowedOrigins []string `yaml:"cors_allowed_origins"`

	Users            []FileUser  `yaml:"users"`
	Apps             []FileApp   `yaml:"apps"`
	LightningOutApps []FileLOApp `yaml:"lightning_out_apps"`
	// Sites are Experience Cloud sites, served at <origin><prefix> (e.g. /support).
	Sites []FileSite `yaml:"sites"`
	Knobs FileKnobs  `yaml:"knobs"`
}

// FileUser is a user; active defaults to true.
type FileUser struct {
	ID       string `yaml:"id"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	Name     string `yaml:"name"`
	Email    string `yaml:"email"`
	Active   *bool  `yaml:"active"`
	APIOnly  bool   `yaml:"api_only"`
}

// FileApp is an External Client App. Flows default to the authorization code and
// refresh token flows; certificate_file (PEM, relative to the file's directory) is
// the certificate uploaded for JWT bearer.
type FileApp struct {
	Name            string   `yaml:"name"`
	ClientID        string   `yaml:"client_id"`
	ClientSecret    string   `yaml:"client_secret"`
	CallbackURLs    []string `yaml:"callback_urls"`
	Scopes          []string `yaml:"scopes"`
	Flows           []string `yaml:"flows"` // authorization_code, refresh_token, jwt_bearer, client_credentials
	CertificateFile string   `yaml:"certificate_file"`
	RunAs           string   `yaml:"run_as"`

	RequirePKCE               *bool `yaml:"require_pkce"` // default true
	RequireSecretForWebServer bool  `yaml:"require_secret_for_web_server"`
	RequireSecretForRefresh   bool  `yaml:"require_secret_for_refresh"`
	RefreshTokenRotation      bool  `yaml:"refresh_token_rotation"`

	// PermittedUsers is all_self_authorize (default) or admin_approved; with
	// admin_approved, pre_authorized lists the users assigned to the app (through a
	// profile or permission set, in a real org). approved lists users of a
	// self-authorize app who already clicked Allow once.
	PermittedUsers      string        `yaml:"permitted_users"`
	PreAuthorized       []string      `yaml:"pre_authorized"`
	Approved            []string      `yaml:"approved"`
	RefreshTokenIdleTTL time.Duration `yaml:"refresh_token_idle_ttl"`
}

// FileSite is an Experience Cloud site of the org.
type FileSite struct {
	Prefix string `yaml:"prefix"`
}

// FileLOApp is a Lightning Out 2.0 app; enabled defaults to true.
type FileLOApp struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Enabled *bool  `yaml:"enabled"`
}

// FileKnobs are the behaviours the reference could not confirm (Assumptions) and the
// HTTP knob endpoints; each left out keeps its default.
type FileKnobs struct {
	HTTP                    *bool         `yaml:"http"` // /__devorg/ knob endpoints, default true
	UIBridgeSilentBadToken  *bool         `yaml:"ui_bridge_silent_bad_token"`
	UIBridgeJSONErrors      *bool         `yaml:"ui_bridge_json_errors"`
	LightningOutScopes      []string      `yaml:"lightning_out_scopes"` // [] relaxes
	IssuerIsLoginHost       *bool         `yaml:"issuer_is_login_host"`
	JWTAudiences            []string      `yaml:"jwt_audiences"`
	JWTAcceptOriginAudience *bool         `yaml:"jwt_accept_origin_audience"`
	JWTMaxLifetime          time.Duration `yaml:"jwt_max_lifetime"`
	RejectUnknownScope      *bool         `yaml:"reject_unknown_scope"`
	APIOnlyUsersMaySignIn   *bool         `yaml:"api_only_users_may_sign_in"`
	NoEndSession            *bool         `yaml:"no_end_session"`
	// For `logateway doctor`: an org that serves no Lightning Out 2.0 library, and
	// one whose Lightning Out UI Bridge looks at the app id before the session.
	NoLightningOutLibrary  *bool `yaml:"no_lightning_out_library"`
	LOBridgeChecksAppFirst *bool `yaml:"lo_bridge_checks_app_first"`
	// Whether a Lightning Out component posts lo.error when its org session ends
	// (Assumptions.LOComponentReportsSessionEnd; off by default).
	LOComponentReportsSessionEnd *bool `yaml:"lo_component_reports_session_end"`
}

// ReadFile reads and strictly decodes an org file: an unknown key is an error naming
// its line, so a typo never silently keeps a default. Relative certificate_file paths
// are taken from the file's directory, as the gateway's config does.
func ReadFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("devorg config: %w", err)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // an empty file: all defaults
		return File{}, fmt.Errorf("devorg config %s: %w", path, err)
	}
	for i := range f.Apps {
		if p := f.Apps[i].CertificateFile; p != "" && !filepath.IsAbs(p) {
			f.Apps[i].CertificateFile = filepath.Join(filepath.Dir(path), p)
		}
	}
	return f, nil
}

// Config builds the org the file describes on top of DefaultConfig(origin,
// callbackURLs, hostOrigins). Problems name the key to fix.
func (f File) Config(origin string, callbackURLs, hostOrigins []string) (Config, error) {
	c := DefaultConfig(origin, callbackURLs, hostOrigins)
	var errs []error
	setString(&c.OrgID, f.OrgID)
	setString(&c.OrgType, f.OrgType)
	setString(&c.LoginHost, f.LoginHost)
	setDur(&c.SessionTimeout, f.SessionTimeout)
	setDur(&c.CodeLifetime, f.CodeLifetime)
	setDur(&c.OTPLifetime, f.OTPLifetime)
	setDur(&c.LOAuthTimeout, f.LOAuthTimeout)
	if f.TrustedLODomains != nil {
		c.TrustedLODomains = f.TrustedLODomains
	}
	c.CORSForOAuth = f.CORSForOAuth
	c.CORSAllowedOrigins = f.CORSAllowedOrigins

	if f.Users != nil {
		c.Users = nil
		for i, u := range f.Users {
			c.Users = append(c.Users, u.user(i))
		}
	}
	if f.Apps != nil {
		c.Apps = nil
		for i, a := range f.Apps {
			app, err := a.app(fmt.Sprintf("apps[%d]", i), callbackURLs)
			errs = append(errs, err)
			c.Apps = append(c.Apps, app)
		}
	}
	if f.LightningOutApps != nil {
		c.LOApps = nil
		for _, l := range f.LightningOutApps {
			c.LOApps = append(c.LOApps, LOApp{ID: l.ID, Name: l.Name, Enabled: l.Enabled == nil || *l.Enabled})
		}
	}
	for _, s := range f.Sites {
		c.Sites = append(c.Sites, Site(s))
	}
	f.Knobs.apply(&c)

	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// user is the file's i-th user with its defaults: an id from its index, the name
// from the username's local part, the username as email, active.
func (u FileUser) user(i int) User {
	if u.ID == "" {
		u.ID = fmt.Sprintf("005devorgfile%05d", i)
	}
	if u.Name == "" {
		u.Name = strings.SplitN(u.Username, "@", 2)[0]
	}
	if u.Email == "" {
		u.Email = u.Username
	}
	return User{ID: u.ID, Username: u.Username, Password: u.Password, Name: u.Name, Email: u.Email,
		Active: u.Active == nil || *u.Active, APIOnly: u.APIOnly}
}

// app is the ECA the file describes at key, with DefaultConfig's callbacks, scopes
// and flows where it names none; the certificate file is read here.
func (a FileApp) app(key string, callbackURLs []string) (App, error) {
	var errs []error
	bad := func(k, format string, args ...any) {
		errs = append(errs, fmt.Errorf("devorg config: %s: %s", k, fmt.Sprintf(format, args...)))
	}
	app := App{Name: a.Name, ClientID: a.ClientID, ClientSecret: a.ClientSecret, CallbackURLs: a.CallbackURLs,
		Scopes: a.Scopes, RunAsUsername: a.RunAs, RequirePKCE: a.RequirePKCE == nil || *a.RequirePKCE,
		RequireSecretForWebServer: a.RequireSecretForWebServer, RequireSecretForRefresh: a.RequireSecretForRefresh,
		RefreshTokenRotation: a.RefreshTokenRotation, PermittedUsers: a.PermittedUsers,
		AssignedUsernames: a.PreAuthorized, RefreshTokenIdleTTL: a.RefreshTokenIdleTTL}
	if app.Name == "" {
		app.Name = a.ClientID
	}
	if app.CallbackURLs == nil {
		app.CallbackURLs = append([]string(nil), callbackURLs...)
	}
	if app.Scopes == nil {
		app.Scopes = defaultAppScopes()
	}
	flows := a.Flows
	if flows == nil {
		flows = []string{"authorization_code", "refresh_token"}
	}
	for _, fl := range flows {
		switch fl {
		case "authorization_code":
			app.AuthorizationCode = true
		case "refresh_token":
			app.RefreshToken = true
		case "jwt_bearer":
			app.JWTBearer = true
		case "client_credentials":
			app.ClientCredentials = true
		default:
			bad(key+".flows", "%q is not a flow; use authorization_code, refresh_token, jwt_bearer or client_credentials", fl)
		}
	}
	if a.CertificateFile != "" {
		pem, err := os.ReadFile(a.CertificateFile)
		if err != nil {
			bad(key+".certificate_file", "%v (make one with: logateway keygen --out DIR)", err)
		}
		app.CertificatePEM = string(pem)
	} else if app.JWTBearer {
		bad(key+".certificate_file", "the jwt_bearer flow needs the certificate that verifies assertions (logateway keygen writes jwt.crt)")
	}
	return app, errors.Join(errs...)
}

// apply sets the knobs the file names; each left out keeps its default.
func (k FileKnobs) apply(c *Config) {
	as := &c.Assumptions
	c.Knobs = k.HTTP == nil || *k.HTTP
	setBool(&as.UIBridgeSilentBadToken, k.UIBridgeSilentBadToken)
	setBool(&as.UIBridgeJSONErrors, k.UIBridgeJSONErrors)
	setBool(&as.IssuerIsLoginHost, k.IssuerIsLoginHost)
	setBool(&as.JWTAcceptOriginAudience, k.JWTAcceptOriginAudience)
	setBool(&as.RejectUnknownScope, k.RejectUnknownScope)
	setBool(&as.APIOnlyUsersMaySignIn, k.APIOnlyUsersMaySignIn)
	setBool(&c.NoEndSession, k.NoEndSession)
	setBool(&c.NoLightningOutLibrary, k.NoLightningOutLibrary)
	setBool(&as.LOBridgeChecksAppFirst, k.LOBridgeChecksAppFirst)
	setBool(&as.LOComponentReportsSessionEnd, k.LOComponentReportsSessionEnd)
	if k.LightningOutScopes != nil {
		as.LightningOutScopes = k.LightningOutScopes
	}
	if k.JWTAudiences != nil {
		as.JWTAudiences = k.JWTAudiences
	}
	setDur(&as.JWTMaxLifetime, k.JWTMaxLifetime)
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func setDur(dst *time.Duration, v time.Duration) {
	if v != 0 {
		*dst = v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

// Approvals are the (username, client id) pairs the file marks as approved once on the
// consent page; apply them with Org.Approve after New.
func (f File) Approvals() [][2]string {
	var out [][2]string
	for _, a := range f.Apps {
		for _, u := range a.Approved {
			out = append(out, [2]string{u, a.ClientID})
		}
	}
	return out
}
