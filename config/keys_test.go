package config

import (
	"strings"
	"testing"
)

const minimalYAML = `
session:
  keys_env: KEYS
sites:
  - url: https://www.example.com
    org:
      my_domain: https://acme.my.salesforce.com
    eca:
      client_id: abc
      client_secret_env: SECRET
      %s
    acc:
      agent_id: 0XxAb000000Xyz1CAA
`

var minimalEnv = envMap(map[string]string{"KEYS": sessionKey1, "SECRET": "s"})

func TestUnknownKeys(t *testing.T) {
	cases := []struct {
		name     string
		yaml     string
		wantPath string
		wantLine int
		wantFix  string
	}{
		{"a misspelled eca key suggests the right one",
			strings.Replace(minimalYAML, "%s", "calback_path: /cb", 1), "sites[0].eca.calback_path", 11, `did you mean "callback_path"?`},
		{"a transposition counts as one edit",
			strings.Replace(minimalYAML, "%s", "scoeps: [web]", 1), "sites[0].eca.scoeps", 11, `did you mean "scopes"?`},
		{"an unknown top-level key is reported with the valid keys when none is close",
			"frobnicate: 1\n" + strings.Replace(minimalYAML, "%s", "", 1), "frobnicate", 1, "remove it; valid keys here: admin_hosts, admin_listen, admin_token_env, listen, log"},
		{"a misspelled top-level key suggests the right one",
			"listne: \":8080\"\n" + strings.Replace(minimalYAML, "%s", "", 1), "listne", 1, `did you mean "listen"?`},
		{"a key written one level too high says where it belongs",
			strings.Replace(minimalYAML, "      %s", "    callback_path: /cb", 1), "sites[0].callback_path", 11, "move it under eca.callback_path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "test.yaml", minimalEnv, false)
			ps := problemsOf(t, err)
			if len(ps) != 1 {
				t.Fatalf("want exactly 1 problem, got %d:\n%v", len(ps), err)
			}
			p := ps[0]
			if p.Path != tc.wantPath || p.Line != tc.wantLine || !strings.Contains(p.Fix, tc.wantFix) {
				t.Errorf("want %s (line %d) with fix containing %q, got %s", tc.wantPath, tc.wantLine, tc.wantFix, p)
			}
		})
	}
}

func TestEveryUnknownKeyIsReported(t *testing.T) {
	y := "lisen: x\nlog:\n  levle: debug\n  fromat: json\n" + strings.Replace(minimalYAML, "%s", "pkec: true", 1)
	_, err := Parse([]byte(y), "t.yaml", minimalEnv, false)
	ps := problemsOf(t, err)
	want := []string{"lisen", "log.levle", "log.fromat", "sites[0].eca.pkec"}
	if len(ps) != len(want) {
		t.Fatalf("want %d problems, got %d:\n%v", len(want), len(ps), err)
	}
	for i, w := range want {
		if ps[i].Path != w {
			t.Errorf("problem %d: want path %s, got %s", i, w, ps[i])
		}
	}
}

func TestMapKeysAreFree(t *testing.T) {
	y := strings.Replace(strings.Replace(minimalYAML, "%s", "", 1), "    acc:\n", "    acc:\n      style_tokens:\n        anyTokenName: red\n", 1)
	if _, err := Parse([]byte(y), "t.yaml", minimalEnv, false); err != nil {
		t.Fatalf("want map keys (style_tokens) accepted as they are, got:\n%v", err)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	y := `
session: {keys_env: KEYS}
x-org: &org
  my_domain: https://acme.my.salesforce.com
sites:
  - url: https://www.example.com
    org:
      <<: *org
      timout: 5s
    eca: {client_id: abc, client_secret_env: SECRET}
    acc: {agent_id: 0XxAb000000Xyz1CAA}
`
	_, err := Parse([]byte(y), "t.yaml", minimalEnv, false)
	ps := problemsOf(t, err)
	if len(ps) != 2 || ps[0].Path != "x-org" || ps[1].Path != "sites[0].org.timout" {
		t.Fatalf("want problems at x-org and sites[0].org.timout (merged keys accepted), got:\n%v", err)
	}
}

func TestTypeErrorsNameTheKey(t *testing.T) {
	y := strings.Replace(minimalYAML, "%s", "pkce: maybe", 1)
	y = strings.Replace(y, "session:\n", "session:\n  idle_timeout: 90\n", 1)
	_, err := Parse([]byte(y), "t.yaml", minimalEnv, false)
	ps := problemsOf(t, err)
	got := map[string]string{}
	for _, p := range ps {
		got[p.Path] = p.Message
	}
	if len(ps) != 2 || !strings.Contains(got["session.idle_timeout"], "not a duration") || got["sites[0].eca.pkce"] == "" {
		t.Fatalf("want 2 type problems at session.idle_timeout and sites[0].eca.pkce, got:\n%v", err)
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"callback_path", "callback_path", 0},
		{"calback_path", "callback_path", 1},
		{"scoeps", "scopes", 1},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
	}
	for _, tc := range cases {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q): want %d, got %d", tc.a, tc.b, tc.want, got)
		}
	}
	if got := closest("zzzzzz", []string{"listen", "log"}); got != "" {
		t.Errorf("want no suggestion for a far key, got %q", got)
	}
}
