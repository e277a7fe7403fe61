package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A config with one element in every list of structs, so every key has a path.
func everyKeyConfig() *Config {
	return &Config{Sites: []Site{{Access: []AccessRule{{}}, APIRelay: []APIRoute{{}}}}}
}

func TestEveryScalarKeyHasItsOwnEnvironmentVariable(t *testing.T) {
	c := everyKeyConfig()
	env := map[string]string{}
	owner := map[string]string{}
	for _, l := range c.leaves() {
		if !l.scalar {
			continue
		}
		name := EnvName(l.path)
		if other, dup := owner[name]; dup {
			t.Fatalf("%s and %s would share %s", other, l.path, name)
		}
		owner[name] = l.path
		switch l.v.Interface().(type) {
		case Duration:
			env[name] = "7s"
		case string:
			env[name] = "from-env"
		case bool, *bool:
			env[name] = "true"
		case int:
			env[name] = "7"
		default:
			t.Fatalf("%s: no test value for %s", l.path, l.v.Type())
		}
	}
	if len(owner) < 80 {
		t.Fatalf("want every scalar key of the schema, found only %d", len(owner))
	}
	ps := &problems{}
	c.applyEnv(envMap(env), ps)
	if len(ps.list) > 0 {
		t.Fatalf("want every value accepted, got %v", ps.list)
	}
	for _, l := range c.leaves() {
		if !l.scalar {
			continue
		}
		if l.v.IsZero() {
			t.Errorf("%s: %s=%q did not set it", l.path, EnvName(l.path), env[EnvName(l.path)])
		}
		if got, want := c.Sources[l.path], "env "+EnvName(l.path); got != want {
			t.Errorf("%s: want source %q, got %q", l.path, want, got)
		}
	}
	if got := c.Sites[0].Org.MyDomain; got != "from-env" {
		t.Errorf("LOGATEWAY_SITES_0_ORG_MY_DOMAIN: want from-env, got %q", got)
	}
	if got := c.Sites[0].Access[0].Access; got != "from-env" {
		t.Errorf("LOGATEWAY_SITES_0_ACCESS_0_ACCESS: want from-env, got %q", got)
	}
}

const precedenceYAML = `
listen: ":9000"
log:
  level: warn
session:
  keys_env: SK
sites:
  - url: https://www.example.com
    org:
      my_domain: https://acme.my.salesforce.com
    eca:
      client_id: "3MVG9abc"
      client_secret_env: ECA
    lightning_out:
      app_id: 1Us000000000001AAA
    acc:
      agent_id: 0Xx000000000001AAA
`

func TestPrecedenceIsFlagThenEnvThenFileThenDefault(t *testing.T) {
	env := map[string]string{
		"SK": strings.Repeat("k", 32), "ECA": "s",
		"LOGATEWAY_LISTEN":                  ":9100",
		"LOGATEWAY_SITES_0_ORG_MY_DOMAIN":   "https://other.my.salesforce.com",
		"LOGATEWAY_SESSION_IDLE_TIMEOUT":    "30m",
		"LOGATEWAY_SITES_0_SIGNIN_POPUP":    "true",
		"LOGATEWAY_SITES_0_ACC_SHOW_AVATAR": "false",
	}
	c, err := Parse([]byte(precedenceYAML), "p.yaml", envMap(env), false)
	if err != nil {
		t.Fatal(err)
	}
	c.ApplyOverrides("", "127.0.0.1:0", "")
	if c.Listen != ":9100" || c.Sites[0].Org.MyDomain != "https://other.my.salesforce.com" ||
		c.Session.IdleTimeout.D().Minutes() != 30 || !c.Sites[0].Signin.Popup || c.Sites[0].ACC.ShowAvatar == nil || *c.Sites[0].ACC.ShowAvatar {
		t.Errorf("env did not win over the file: listen %q, my_domain %q, idle %s, popup %v", c.Listen, c.Sites[0].Org.MyDomain, c.Session.IdleTimeout, c.Sites[0].Signin.Popup)
	}
	got := map[string]string{}
	for _, s := range c.Settings() {
		got[s.Path] = s.Source
	}
	for path, want := range map[string]string{
		"listen":                 "env LOGATEWAY_LISTEN",
		"admin_listen":           "flag --admin-listen",
		"log.level":              "file line 4",
		"log.format":             "default",
		"sites[0].org.my_domain": "env LOGATEWAY_SITES_0_ORG_MY_DOMAIN",
		"sites[0].url":           "file line 8",
		"session.idle_timeout":   "env LOGATEWAY_SESSION_IDLE_TIMEOUT",
	} {
		if got[path] != want {
			t.Errorf("%s: want source %q, got %q", path, want, got[path])
		}
	}
	c.ApplyOverrides(":9200", "", "")
	if c.Listen != ":9200" || c.Sources["listen"] != "flag --listen" {
		t.Errorf("a flag must win over the environment: listen %q from %q", c.Listen, c.Sources["listen"])
	}
}

func TestABadEnvironmentValueNamesTheVariableAndTheKey(t *testing.T) {
	env := map[string]string{"SK": strings.Repeat("k", 32), "ECA": "s", "LOGATEWAY_SERVER_MAX_HEADER_BYTES": "lots", "LOGATEWAY_SESSION_IDLE_TIMEOUT": "soon"}
	_, err := Parse([]byte(precedenceYAML), "p.yaml", envMap(env), false)
	got := map[string]string{}
	for _, p := range problemsOf(t, err) {
		got[p.Path] = p.String()
	}
	for path, name := range map[string]string{"server.max_header_bytes": "LOGATEWAY_SERVER_MAX_HEADER_BYTES", "session.idle_timeout": "LOGATEWAY_SESSION_IDLE_TIMEOUT"} {
		if !strings.Contains(got[path], name) {
			t.Errorf("want a problem at %s naming %s, got %q (all: %v)", path, name, got[path], err)
		}
	}
}

func TestSettingsNeverShowAnInlineSecret(t *testing.T) {
	c := everyKeyConfig()
	c.Sites[0].ECA.ClientSecret = "hunter2-inline"
	c.Sites[0].Signin.IdP.ClientSecret = "idp-inline"
	for _, s := range c.Settings() {
		if strings.Contains(s.Value, "hunter2") || strings.Contains(s.Value, "idp-inline") {
			t.Errorf("%s shows a secret: %s", s.Path, s.Value)
		}
	}
}

func TestNoSecretsValidatesEverythingButSecretsAndKeyFiles(t *testing.T) {
	for _, name := range []string{"production.yaml", "jwt-bearer.yaml", "interaction-api.yaml"} {
		t.Run(name+" loads with no secret and no key file present", func(t *testing.T) {
			p := copyExample(t, name, t.TempDir()) // no key pair, no keys file, no env
			if _, err := Load(p, envMap(nil)); err == nil {
				t.Fatal("want a plain Load to miss the secrets, got no error")
			}
			c, err := LoadWith(p, envMap(nil), Options{NoSecrets: true})
			if err != nil {
				t.Fatalf("want --no-secrets to accept it, got:\n%v", err)
			}
			if c.Sites[0].ECA.Secret != "" || len(c.Session.Keys) != 0 {
				t.Errorf("want nothing secret filled in, got secret %q and %d keys", c.Sites[0].ECA.Secret, len(c.Session.Keys))
			}
		})
	}
	t.Run("a real mistake is still reported", func(t *testing.T) {
		bad := strings.Replace(precedenceYAML, "https://acme.my.salesforce.com", "acme", 1)
		p := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadWith(p, envMap(nil), Options{NoSecrets: true})
		found := false
		for _, pr := range problemsOf(t, err) {
			found = found || pr.Path == "sites[0].org.my_domain"
		}
		if !found {
			t.Errorf("want a problem at sites[0].org.my_domain, got %v", err)
		}
	})
}

// leaves must see every field the YAML decoder sees.
func TestLeavesCoverTheSchema(t *testing.T) {
	var count func(reflect.Type) int
	count = func(t reflect.Type) int {
		n := 0
		for _, f := range yamlFields(t) {
			switch ft := f.Type; {
			case ft == durationType:
				n++
			case ft.Kind() == reflect.Struct:
				n += count(ft)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				n += count(ft.Elem())
			default:
				n++
			}
		}
		return n
	}
	if got, want := len(everyKeyConfig().leaves()), count(reflect.TypeOf(Config{})); got != want {
		t.Errorf("leaves: want %d keys, got %d", want, got)
	}
}
