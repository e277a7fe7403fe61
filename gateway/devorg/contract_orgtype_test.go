package devorg

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Org types: the token response's id and the accepted JWT-bearer audience follow the
// generic login host of the org type (login. for production, test. for sandboxes).

func TestIdentityURLNamesTheLoginHostOfTheOrgType(t *testing.T) {
	cases := []struct {
		name    string
		orgType string
		host    string
		want    string
	}{
		{"production", OrgProduction, "", "https://login.salesforce.com"},
		{"sandbox", OrgSandbox, "", "https://test.salesforce.com"},
		{"an explicit LoginHost", OrgProduction, "https://login.example.test", "https://login.example.test"},
	}
	for _, c := range cases {
		t.Run(c.name+" tokens carry id "+c.want+"/id/…", func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) { cfg.OrgType, cfg.LoginHost = c.orgType, c.host })
			body := e.tokens("web openid")
			if want := c.want + "/id/" + DefaultOrgID + "/005devorg00000AAAA"; body["id"] != want {
				t.Errorf("wanted id %s, got %v", want, body["id"])
			}
			if body["instance_url"] != e.srv.URL {
				t.Errorf("wanted instance_url %s (the My Domain), got %v", e.srv.URL, body["instance_url"])
			}
		})
	}
}

func TestJWTBearerAcceptsOnlyTheAudienceOfTheOrgType(t *testing.T) {
	key, certPEM := testCert(t)
	const client = "3MVG9devorg.jwt.aud"
	cases := []struct {
		orgType, aud string
		status       int
	}{
		{OrgProduction, ProductionLoginHost, 200},
		{OrgProduction, SandboxLoginHost, 400},
		{OrgSandbox, SandboxLoginHost, 200},
		{OrgSandbox, ProductionLoginHost, 400},
	}
	for _, c := range cases {
		t.Run("a "+c.orgType+" org given aud "+c.aud, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) {
				cfg.OrgType = c.orgType
				cfg.Apps = append(cfg.Apps, App{Name: "jwt", ClientID: client, Scopes: []string{"web", "api"}, JWTBearer: true,
					CertificatePEM: certPEM, PermittedUsers: AdminApproved, AssignedUsernames: []string{"alice@devorg.example"}})
			})
			a := assertion(t, key, map[string]any{"iss": client, "sub": "alice@devorg.example", "aud": c.aud, "exp": time.Now().Add(time.Minute).Unix()})
			resp, body := e.post(tokenPath, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}})
			if c.status == 200 {
				if resp.StatusCode != 200 {
					t.Errorf("wanted 200, got %d %v", resp.StatusCode, body)
				}
				return
			}
			wantOAuthError(t, resp, body, 400, "invalid_grant", "audience is invalid")
		})
	}
}

func TestIssuerIsLoginHostKnob(t *testing.T) {
	e := newEnv(t, func(cfg *Config) { cfg.Assumptions.IssuerIsLoginHost = true })
	resp, err := http.Get(e.srv.URL + discoveryPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := readBody(t, resp)
	if !strings.Contains(doc, `"issuer":"https://login.salesforce.com"`) || !strings.Contains(doc, `"token_endpoint":"`+e.srv.URL+tokenPath+`"`) {
		t.Errorf("wanted discovery at the My Domain naming issuer https://login.salesforce.com with endpoints on the My Domain, got %s", doc)
	}
	claims := unverifiedClaims(t, e.tokens("web openid")["id_token"].(string))
	if claims["iss"] != ProductionLoginHost {
		t.Errorf("wanted id_token iss %s, got %v", ProductionLoginHost, claims["iss"])
	}
}
