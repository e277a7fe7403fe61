package devorg

import (
	"strings"
	"time"
)

// The lifetimes and statuses DefaultConfig and DefaultAssumptions set, and withDefaults
// fills in for a hand-built Config.
const (
	defaultSessionTimeout         = 2 * time.Hour
	defaultCodeLifetime           = 15 * time.Minute
	defaultOTPLifetime            = 60 * time.Second
	defaultJWTMaxLifetime         = 3 * time.Minute
	defaultIDTokenLifetime        = 2 * time.Minute
	defaultFrontdoorFailureStatus = 200
)

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
			Scopes:            defaultAppScopes(),
			AuthorizationCode: true,
			RefreshToken:      true,
			RequirePKCE:       true,
			PermittedUsers:    AllSelfAuthorize,
		}},
		LOApps:           []LOApp{{ID: DefaultLOAppID, Name: "logateway", Enabled: true}},
		TrustedLODomains: append([]string(nil), hostOrigins...),
		SessionTimeout:   defaultSessionTimeout,
		CodeLifetime:     defaultCodeLifetime,
		OTPLifetime:      defaultOTPLifetime,
		DevBanner:        true,
		Assumptions:      DefaultAssumptions(),
	}
}

// withDefaults fills zero durations and statuses so a hand-built Config works.
func (c Config) withDefaults() Config {
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = defaultSessionTimeout
	}
	if c.CodeLifetime <= 0 {
		c.CodeLifetime = defaultCodeLifetime
	}
	if c.OTPLifetime <= 0 {
		c.OTPLifetime = defaultOTPLifetime
	}
	if c.Assumptions.JWTMaxLifetime <= 0 {
		c.Assumptions.JWTMaxLifetime = defaultJWTMaxLifetime
	}
	if c.Assumptions.IDTokenLifetime <= 0 {
		c.Assumptions.IDTokenLifetime = defaultIDTokenLifetime
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
		c.Assumptions.FrontdoorFailureStatus = defaultFrontdoorFailureStatus
	}
	return c
}

// defaultAppScopes are the scopes of DefaultConfig's ECA and of a file's app that
// names none.
func defaultAppScopes() []string {
	return []string{"web", "api", "lightning", "id", "openid", "refresh_token", "profile", "email"}
}
