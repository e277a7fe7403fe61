package config

import (
	"net/url"
)

// Dev-mode identities, shared with the emulated org (devorg) so both sides agree.
const (
	DevGatewayURL   = "http://localhost:8080"
	DevOrgURL       = "http://127.0.0.1:8081"
	DevClientID     = "3MVG9devorg.logateway.client"
	DevClientSecret = "devorg-client-secret" // dev only; the emulated org accepts nothing else
	DevAppID        = "1Usdevorg000000AAA"
	DevAgentID      = "0Xxdevorg000000AAA"
	DevAgentLabel   = "Devorg Agent"
)

// Dev returns the dev-mode configuration: one site at gatewayURL (default
// http://localhost:8080) signing in against the emulated org at orgURL (default
// http://127.0.0.1:8081, a different site on purpose so cross-site cookies, CORS and CSP
// behave as in production). Session keys are random, so sessions end with the process.
// The result is normalized and has its secrets resolved; it equals
// config/examples/dev.yaml loaded with LoadDev, apart from the random keys.
func Dev(gatewayURL, orgURL string) *Config {
	if gatewayURL == "" {
		gatewayURL = DevGatewayURL
	}
	if orgURL == "" {
		orgURL = DevOrgURL
	}
	listen := DefaultListen
	if u, err := url.Parse(gatewayURL); err == nil && u.Port() != "" {
		listen = ":" + u.Port()
	}
	c := &Config{
		Dev:    true,
		Listen: listen,
		Log:    LogConfig{Level: "info"},
		Session: Session{
			Store: "memory",
		},
		Sites: []Site{{
			URL: gatewayURL,
			Org: Org{MyDomain: orgURL},
			ECA: ECA{
				ClientID:     DevClientID,
				ClientSecret: DevClientSecret,
				Scopes:       []string{"api", "web", "lightning", "id", "openid", "refresh_token", "profile", "email"},
			},
			LightningOut:   LightningOut{AppID: DevAppID},
			ACC:            ACC{AgentID: DevAgentID, AgentLabel: DevAgentLabel, Mode: "floating"},
			Embed:          Embed{Path: DefaultEmbedPath},
			TrustedDomains: []string{},
		}},
	}
	c.Normalize()
	c.Sites[0].ECA.Secret = DevClientSecret
	c.Session.Keys = [][]byte{randomKey()}
	return c
}
