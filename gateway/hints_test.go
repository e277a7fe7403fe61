package gateway_test

import (
	"strings"
	"testing"

	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/salesforce"
)

// Every refusal the emulated org can answer gets advice that names what to change,
// never the catch-alls. The org's table stands for Salesforce's words.
func TestEveryOrgRefusalGetsSpecificAdvice(t *testing.T) {
	for f, r := range devorg.Replies {
		if r.Error == "" {
			continue // a page text of the org's own sign-in form, not an API answer
		}
		name := string(f)
		e := &salesforce.Error{Status: r.Status, Code: r.Error, Description: r.Description, Endpoint: "token", Grant: salesforce.GrantAuthorizationCode}
		switch {
		case strings.HasPrefix(name, "authorize:"):
			e.Endpoint, e.Grant = "authorize", ""
		case strings.HasPrefix(name, "ui bridge:"):
			e.Endpoint, e.Grant = "singleaccess", ""
		case strings.HasPrefix(name, "identity:"):
			e.Endpoint, e.Grant = "userinfo", ""
		case strings.HasPrefix(name, "revoke:"), strings.HasPrefix(name, "introspect:"):
			e.Endpoint, e.Grant = strings.SplitN(name, ":", 2)[0], ""
		case strings.Contains(name, "JWT"):
			e.Grant = salesforce.GrantJWTBearer
		case strings.Contains(name, "client credentials"):
			e.Grant = salesforce.GrantClientCredentials
		case strings.Contains(name, "refresh"):
			e.Grant = salesforce.GrantRefreshToken
		}
		if e.Status == 0 {
			e.Status = 500
		}
		t.Run(name, func(t *testing.T) {
			h := e.Hint()
			for _, generic := range []string{"no specific advice", "Salesforce refused the grant", "without an error code"} {
				if strings.Contains(h, generic) {
					t.Errorf("%s %s %q: wanted specific advice, got %q", e.Endpoint, e.Code, e.Description, h)
				}
			}
		})
	}
}

func TestGrantNotEnabledNamesTheFlowToEnable(t *testing.T) {
	r := devorg.Replies[devorg.TokenFlowDisabled]
	cases := []struct {
		grant, want string
	}{
		{salesforce.GrantJWTBearer, "enable the JWT Bearer flow in the ECA"},
		{salesforce.GrantClientCredentials, "Enable Client Credentials Flow"},
		{salesforce.GrantAuthorizationCode, "Flow Enablement"},
	}
	for _, c := range cases {
		t.Run(c.grant, func(t *testing.T) {
			e := &salesforce.Error{Endpoint: "token", Status: r.Status, Code: r.Error, Description: r.Description, Grant: c.grant}
			if h := e.Hint(); !strings.Contains(h, c.want) || strings.Contains(h, "sign in again") {
				t.Errorf("wanted advice containing %q (not 'sign in again'), got %q", c.want, h)
			}
		})
	}
}
