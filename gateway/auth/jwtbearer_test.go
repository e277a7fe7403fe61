package auth

import (
	"errors"
	"testing"
)

func TestJWTBearerUsernameMapping(t *testing.T) {
	j := &JWTBearer{UsernameClaim: "email", Template: "{{local}}@acme.com.sf",
		UsernameMap: map[string]string{"ceo@acme.com": "ceo.admin@acme.com.sf"}}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   string
		err    string // "" none, "missing", "unverified"
	}{
		{"the template puts the local part before the org's suffix",
			map[string]any{"email": "jane@acme.com", "email_verified": true}, "jane@acme.com.sf", ""},
		{"the lookup table wins over the template",
			map[string]any{"email": "ceo@acme.com"}, "ceo.admin@acme.com.sf", ""},
		{"the lookup table ignores case as Salesforce usernames do",
			map[string]any{"email": "CEO@Acme.com"}, "ceo.admin@acme.com.sf", ""},
		{"an id_token without the claim is refused",
			map[string]any{"sub": "x"}, "", "missing"},
		{"an email the IdP has not verified is refused",
			map[string]any{"email": "jane@acme.com", "email_verified": false}, "", "unverified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := j.usernameFrom(tc.claims)
			var um *UnmappedUser
			switch tc.err {
			case "":
				if err != nil || got != tc.want {
					t.Fatalf("got %q, %v; want %q", got, err, tc.want)
				}
			case "missing", "unverified":
				if !errors.As(err, &um) || um.Unverified != (tc.err == "unverified") {
					t.Fatalf("got %q, %v; want an UnmappedUser (%s)", got, err, tc.err)
				}
			}
		})
	}
	t.Run("the value template keeps the claim as it is", func(t *testing.T) {
		v := &JWTBearer{UsernameClaim: "preferred_username"}
		if got, err := v.usernameFrom(map[string]any{"preferred_username": "jane@acme.com.sf"}); err != nil || got != "jane@acme.com.sf" {
			t.Fatalf("got %q, %v; want jane@acme.com.sf", got, err)
		}
	})
}
