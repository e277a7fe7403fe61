package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// oneOfEach is validConfig with one element in each list of mappings, so that every
// key of the schema has a place to be set.
func oneOfEach() *Config {
	c := validConfig()
	s := &c.Sites[0]
	s.Access = []AccessRule{{Path: "/app/", Access: "protected"}}
	s.APIRelay = []APIRoute{{Prefix: "/__lo/api/", Identity: "service", ServiceFlow: "client-credentials"}}
	return c
}

// leafAt is the settable value of the key at a declared path, in the first element
// of each list.
func leafAt(t *testing.T, c *Config, path string) reflect.Value {
	t.Helper()
	want := strings.ReplaceAll(path, "[]", "[0]")
	for _, l := range c.leaves() {
		if l.path == want {
			return l.v
		}
	}
	t.Fatalf("no key %s in the config", want)
	return reflect.Value{}
}

func TestEveryDeclaredDefaultIsApplied(t *testing.T) {
	c := oneOfEach()
	c.Sites[0].APIRelay[0] = APIRoute{Prefix: "/__lo/api/"}
	c.Normalize()
	n := 0
	for _, k := range Keys() {
		if k.Default == "" {
			continue
		}
		n++
		want, err := parseDefault(k.Type, k.Default)
		if err != nil {
			t.Fatalf("%s: %v", k.Path, err)
		}
		if got := leafAt(t, c, k.Path); !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("%s: wanted the declared default %q, got %v", k.Path, k.Default, got)
		}
	}
	if n < 30 {
		t.Errorf("wanted the schema to declare at least 30 defaults, found %d", n)
	}
}

func TestADefaultNeverReplacesAValueGiven(t *testing.T) {
	c := oneOfEach()
	c.Sites[0].ECA.Scopes = []string{"api", "web", "openid"}
	c.Session.MaxSessions = 7
	c.Normalize()
	if got := strings.Join(c.Sites[0].ECA.Scopes, " "); got != "api web openid" {
		t.Errorf("eca.scopes: wanted the given api web openid, got %s", got)
	}
	if c.Session.MaxSessions != 7 {
		t.Errorf("session.max_sessions: wanted the given 7, got %d", c.Session.MaxSessions)
	}
}

func TestTwoSitesDoNotShareADefaultList(t *testing.T) {
	c := validConfig()
	c.Sites = append(c.Sites, c.Sites[0])
	c.Normalize()
	c.Sites[0].ECA.Scopes[0] = "changed"
	if c.Sites[1].ECA.Scopes[0] != "api" {
		t.Errorf("changing site 0's default scopes changed site 1's: %v", c.Sites[1].ECA.Scopes)
	}
}

func TestHSTSOffKeepsNoMaxAge(t *testing.T) {
	c := validConfig()
	c.Server.HSTS = HSTS{Off: true}
	c.Normalize()
	if c.Server.HSTS.MaxAge != 0 || c.Server.HSTS.Header() != "" {
		t.Errorf("hsts: off: wanted no max_age and no header, got %v and %q", c.Server.HSTS.MaxAge, c.Server.HSTS.Header())
	}
}

// Some enumerated keys are judged by a switch with its own messages (cookie.same_site,
// signin.flow, …); this keeps their oneof tag, which the reference prints, honest.
func TestEveryEnumeratedKeyRefusesOtherValues(t *testing.T) {
	n := 0
	for _, k := range Keys() {
		if len(k.OneOf) == 0 {
			continue
		}
		n++
		t.Run(k.Path, func(t *testing.T) {
			c := oneOfEach()
			c.Normalize()
			leafAt(t, c, k.Path).SetString("bogus")
			path := strings.ReplaceAll(k.Path, "[]", "[0]")
			for _, p := range problemsOf(t, Validate(c)) {
				if p.Path != path {
					continue
				}
				for _, v := range k.OneOf {
					if !strings.Contains(p.Fix, v) {
						t.Errorf("the fix %q does not name the allowed value %s", p.Fix, v)
					}
				}
				return
			}
			t.Errorf("wanted a problem at %s for the value bogus", path)
		})
	}
	if n < 10 {
		t.Errorf("wanted at least 10 enumerated keys, found %d", n)
	}
}

func TestTheNamedDefaultsAreTheDeclaredOnes(t *testing.T) {
	for path, named := range map[string]string{
		"listen":                                      DefaultListen,
		"admin_listen":                                DefaultAdminListen,
		"sites[].embed.path":                          DefaultEmbedPath,
		"sites[].identity_headers.user":               DefaultHeaderUser,
		"sites[].identity_headers.email":              DefaultHeaderEmail,
		"sites[].identity_headers.preferred_username": DefaultHeaderPreferredUsername,
		"sites[].identity_headers.org_id":             DefaultHeaderOrgID,
		"sites[].identity_headers.user_id":            DefaultHeaderUserID,
		"sites[].identity_headers.name":               DefaultHeaderName,
		"server.hsts.max_age":                         DefaultHSTSMaxAge.String(),
	} {
		k, ok := KeyAt(path)
		if !ok {
			t.Errorf("%s is not declared", path)
			continue
		}
		want := k.Default
		if k.Type == durationType {
			d, _ := time.ParseDuration(want)
			want = d.String()
		}
		if named != want {
			t.Errorf("%s: the named default is %q, schema.go declares %q", path, named, k.Default)
		}
	}
}

func TestKeyAtIgnoresListIndices(t *testing.T) {
	k, ok := KeyAt("sites[3].api_relay[1].identity")
	if !ok || k.Path != "sites[].api_relay[].identity" || k.Default != "visitor" {
		t.Errorf("wanted sites[].api_relay[].identity with default visitor, got %+v (found %v)", k, ok)
	}
}
