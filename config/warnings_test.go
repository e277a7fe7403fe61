package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestScopeWarningsForAnEmbeddingSite(t *testing.T) {
	cases := []struct {
		name    string
		scopes  []string
		noEmbed bool
		want    []string // messages naming these scopes
	}{
		{"the default scopes warn about nothing", nil, false, nil},
		{"web only warns about api and lightning", []string{"web", "openid", "refresh_token"}, false, []string{"no api scope", "no lightning scope"}},
		{"missing lightning warns once", []string{"api", "web", "openid"}, false, []string{"no lightning scope"}},
		{"full covers both", []string{"full", "openid"}, false, nil},
		{"a site without an embed is not warned", []string{"web", "openid"}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Sites[0].ECA.Scopes = c.scopes
			cfg.Sites[0].ACC.Disabled = c.noEmbed
			cfg.Normalize()
			ws := Warnings(cfg)
			if len(ws) != len(c.want) {
				t.Fatalf("wanted %d warnings %v, got %v", len(c.want), c.want, ws)
			}
			for i, w := range ws {
				if w.Path != "sites[0].eca.scopes" || !strings.Contains(w.Message, c.want[i]) || !strings.Contains(w.Fix, "select") {
					t.Errorf("warning %d: wanted sites[0].eca.scopes %q with a fix, got %s", i, c.want[i], w)
				}
			}
		})
	}
}

func TestDefaultScopesFollowTheACCSetupGuide(t *testing.T) {
	cfg := validConfig()
	cfg.Normalize()
	got := strings.Join(cfg.Sites[0].ECA.Scopes, " ")
	if got != "api web lightning refresh_token openid" {
		t.Errorf("wanted default eca.scopes api web lightning refresh_token openid, got %s", got)
	}
	var b bytes.Buffer
	Checklist(&b, cfg)
	for _, want := range []string{"Manage user data via APIs (api)", "Access Lightning applications (lightning)", "Manage user data via Web browsers (web)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("wanted the checklist to list %q, got:\n%s", want, b.String())
		}
	}
}

func TestChecklistAsksForTheGuidesScopesWhenMissing(t *testing.T) {
	cfg := validConfig()
	cfg.Sites[0].ECA.Scopes = []string{"web", "openid"}
	cfg.Normalize()
	var b bytes.Buffer
	Checklist(&b, cfg)
	for _, want := range []string{"Access Lightning applications (lightning) — Salesforce's ACC setup guide selects it too; add lightning to eca.scopes", "Manage user data via APIs (api) — Salesforce's ACC setup guide selects it too"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("wanted the checklist to say %q, got:\n%s", want, b.String())
		}
	}
}
