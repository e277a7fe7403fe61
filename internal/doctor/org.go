package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// discovery is the part of the org's OpenID configuration doctor reads.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	ScopesSupported       []string `json:"scopes_supported"`
}

// checkMyDomain asks the My Domain for anything: any HTTP answer means the
// name resolves and the org listens.
func (d *siteDoctor) checkMyDomain(ctx context.Context) {
	md := d.s.Org.MyDomain
	if d.clientErr != nil {
		d.fail(CheckMyDomain, d.clientErr.Error(), d.key("org.ca_file")+": a readable PEM bundle of the CA certificates that sign the org's TLS certificate")
		return
	}
	a, err := d.do(ctx, d.noRed, http.MethodGet, md+"/", nil, nil)
	if err != nil {
		d.fail(CheckMyDomain, fmt.Sprintf("%s does not answer: %v", md, err),
			"Setup → My Domain → Current My Domain URL: copy it into "+d.key("org.my_domain"))
		return
	}
	d.orgReachable = true
	d.ok(CheckMyDomain, fmt.Sprintf("%s answers (HTTP %d)", md, a.status))
}

// checkDiscovery reads the OpenID configuration from the login URL, as the
// gateway does, and compares its issuer with the one the gateway will verify
// id_tokens against (go-oidc requires it to equal the URL asked).
func (d *siteDoctor) checkDiscovery(ctx context.Context) {
	if !d.orgReachable {
		d.skip(CheckDiscovery, "My Domain unreachable (see my_domain)")
		return
	}
	login := strings.TrimRight(d.s.Org.LoginURL, "/")
	where := login + "/.well-known/openid-configuration"
	a, err := d.do(ctx, d.noRed, http.MethodGet, where, nil, http.Header{"Accept": {"application/json"}})
	fixLogin := fmt.Sprintf("%s: the org's login host, e.g. the My Domain URL from Setup → My Domain", d.key("org.login_url"))
	if err != nil {
		d.fail(CheckDiscovery, fmt.Sprintf("%s does not answer: %v", where, err), fixLogin)
		return
	}
	var disc discovery
	if a.status != http.StatusOK || json.Unmarshal(a.body, &disc) != nil || disc.Issuer == "" {
		d.fail(CheckDiscovery, fmt.Sprintf("%s answered HTTP %d without an OpenID configuration", where, a.status), fixLogin)
		return
	}
	if disc.Issuer != login {
		d.fail(CheckDiscovery, fmt.Sprintf("the org's issuer is %q but the gateway verifies id_tokens against %q", disc.Issuer, login),
			fmt.Sprintf("set %s to %s (the issuer must equal the URL the gateway discovers from)", d.key("org.login_url"), disc.Issuer))
		d.disc = &disc
		return
	}
	d.disc = &disc
	d.ok(CheckDiscovery, fmt.Sprintf("OpenID configuration found; issuer %s is what the gateway verifies", disc.Issuer))
}

// checkJWKS fetches the keys that sign id_tokens.
func (d *siteDoctor) checkJWKS(ctx context.Context) {
	if d.disc == nil {
		d.skip(CheckJWKS, "no OpenID configuration (see discovery)")
		return
	}
	if d.disc.JWKSURI == "" {
		d.fail(CheckJWKS, "the OpenID configuration has no jwks_uri", "the org's discovery document is incomplete: check "+d.key("org.login_url"))
		return
	}
	a, err := d.do(ctx, d.noRed, http.MethodGet, d.disc.JWKSURI, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		d.fail(CheckJWKS, fmt.Sprintf("%s does not answer: %v", d.disc.JWKSURI, err), "check "+d.key("org.login_url"))
		return
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if a.status != http.StatusOK || json.Unmarshal(a.body, &set) != nil || len(set.Keys) == 0 {
		d.fail(CheckJWKS, fmt.Sprintf("%s answered HTTP %d with no keys; id_tokens could not be verified", d.disc.JWKSURI, a.status),
			"check "+d.key("org.login_url"))
		return
	}
	d.ok(CheckJWKS, fmt.Sprintf("%d signing key(s) at %s", len(set.Keys), d.disc.JWKSURI))
}

// authorizeEndpoint and tokenEndpoint are the org's, from discovery when it
// answered, else the documented paths under the login URL.
func (d *siteDoctor) authorizeEndpoint() string {
	if d.disc != nil && d.disc.AuthorizationEndpoint != "" {
		return d.disc.AuthorizationEndpoint
	}
	return strings.TrimRight(d.s.Org.LoginURL, "/") + "/services/oauth2/authorize"
}

// tokenEndpoint is where the gateway's org client sends refresh and JWT
// bearer grants: the login URL's token path.
func (d *siteDoctor) tokenEndpoint() string {
	return strings.TrimRight(d.s.Org.LoginURL, "/") + "/services/oauth2/token"
}

// oauthError is the JSON error body of the token endpoint.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (e oauthError) String() string {
	if e.Description == "" {
		return e.Error
	}
	return e.Error + " (" + e.Description + ")"
}
