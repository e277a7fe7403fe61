package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExamplesLoad(t *testing.T) {
	t.Run("production example loads with its env vars", func(t *testing.T) {
		dir := t.TempDir()
		p := copyExample(t, "production.yaml", dir)
		c, err := Load(p, envMap(map[string]string{
			"LOGATEWAY_ECA_CLIENT_SECRET": "prod-secret",
			"LOGATEWAY_SESSION_KEYS":      sessionKey1 + "," + sessionKey2,
			"LOGATEWAY_REDIS_PASSWORD":    "redis-pw",
		}))
		if err != nil {
			t.Fatalf("want the production example to load, got:\n%v", err)
		}
		s := c.Sites[0]
		if s.ECA.Secret != "prod-secret" || c.Session.Redis.Password != "redis-pw" {
			t.Errorf("want secrets resolved from env, got ECA.Secret=%q Redis.Password=%q", s.ECA.Secret, c.Session.Redis.Password)
		}
		if len(c.Session.Keys) != 2 || string(c.Session.Keys[1]) != sessionKey2 {
			t.Errorf("want 2 session keys with the second %q, got %q", sessionKey2, c.Session.Keys)
		}
		if s.IdentityHeaders.User != "X-Forwarded-User" || s.IdentityHeaders.OrgID != "X-Forwarded-Org-Id" {
			t.Errorf("want default identity headers, got %+v", s.IdentityHeaders)
		}
		if got, want := s.CallbackURL(), "https://www.example.com/callback.html"; got != want {
			t.Errorf("callback URL: want %q, got %q", want, got)
		}
	})
	t.Run("production example names every missing env var", func(t *testing.T) {
		dir := t.TempDir()
		p := copyExample(t, "production.yaml", dir)
		_, err := Load(p, envMap(nil))
		got := map[string]bool{}
		for _, pr := range problemsOf(t, err) {
			got[pr.Path] = true
		}
		for _, want := range []string{"session.keys_env", "session.redis.password_env", "sites[0].eca.client_secret_env"} {
			if !got[want] {
				t.Errorf("want a problem at %s, got %v", want, err)
			}
		}
	})
	t.Run("jwt-bearer example loads with a key pair and the IdP secret", func(t *testing.T) {
		dir := t.TempDir()
		writeKeyPair(t, dir)
		p := copyExample(t, "jwt-bearer.yaml", dir)
		c, err := Load(p, envMap(map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "okta", "LOGATEWAY_SESSION_KEYS": sessionKey1}))
		if err != nil {
			t.Fatalf("want the jwt-bearer example to load, got:\n%v", err)
		}
		j := c.Sites[0].Signin.JWT
		if j.Key == nil || j.Cert == nil || !j.Key.PublicKey.Equal(&testKeyA.PublicKey) {
			t.Errorf("want Signin.JWT.Key and Cert loaded from the key pair, got key=%v cert=%v", j.Key != nil, j.Cert != nil)
		}
		if c.Sites[0].Signin.IdP.Secret != "okta" {
			t.Errorf("want IdP.Secret from LOGATEWAY_OKTA_CLIENT_SECRET, got %q", c.Sites[0].Signin.IdP.Secret)
		}
	})
	t.Run("interaction-api example loads with a key pair and a keys file", func(t *testing.T) {
		dir := t.TempDir()
		writeKeyPair(t, dir)
		if err := os.WriteFile(filepath.Join(dir, "session.keys"), []byte("# rotated 2026-01\n"+sessionKey1+"\n\n"+sessionKey2+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p := copyExample(t, "interaction-api.yaml", dir)
		c, err := Load(p, envMap(map[string]string{"LOGATEWAY_ECA_CLIENT_SECRET": "s"}))
		if err != nil {
			t.Fatalf("want the interaction-api example to load, got:\n%v", err)
		}
		if len(c.Session.Keys) != 2 {
			t.Errorf("want 2 keys from the keys file (comment and blank line skipped), got %d", len(c.Session.Keys))
		}
		if c.Sites[0].Signin.JWT.Key == nil {
			t.Error("want the JWT key loaded for the service relay, got nil")
		}
		if r := c.Sites[0].APIRelay[1]; r.Identity != "visitor" {
			t.Errorf("want the second route's identity visitor, got %q", r.Identity)
		}
	})
	t.Run("dev example loaded in dev mode equals Dev()", func(t *testing.T) {
		got, err := LoadDev(filepath.Join("examples", "dev.yaml"), envMap(nil))
		if err != nil {
			t.Fatalf("want dev.yaml to load in dev mode, got:\n%v", err)
		}
		want := Dev("", "")
		if len(got.Session.Keys) != 1 || len(got.Session.Keys[0]) != 32 {
			t.Errorf("want one generated 32-byte session key, got %d keys", len(got.Session.Keys))
		}
		got.Session.Keys, want.Session.Keys = nil, nil
		got.Sources = nil // where each value came from: the file, for got
		if !reflect.DeepEqual(got, want) {
			t.Errorf("dev.yaml and Dev() differ:\n got  %+v\n want %+v", got.Sites[0], want.Sites[0])
		}
	})
	t.Run("dev example is refused outside dev mode for its inline secret and missing keys", func(t *testing.T) {
		_, err := Load(filepath.Join("examples", "dev.yaml"), envMap(nil))
		got := map[string]bool{}
		for _, pr := range problemsOf(t, err) {
			got[pr.Path] = true
		}
		// Its http:// origins are loopback, which stays allowed outside dev mode.
		for _, want := range []string{"sites[0].eca.client_secret", "session.keys_env"} {
			if !got[want] {
				t.Errorf("want a problem at %s, got %v", want, err)
			}
		}
	})
}

func TestDevConfigIsValid(t *testing.T) {
	c := Dev("http://localhost:9000", "http://127.0.0.1:9001")
	if err := Validate(c); err != nil {
		t.Fatalf("want Dev() to validate, got:\n%v", err)
	}
	if c.Listen != ":9000" || c.Sites[0].LightningOut.ScriptURL != "http://127.0.0.1:9001"+LightningOutScriptPath {
		t.Errorf("want listen :9000 and the script on the org, got %q and %q", c.Listen, c.Sites[0].LightningOut.ScriptURL)
	}
	if !agentIDPattern.MatchString(DevAgentID) || !appIDPattern.MatchString(DevAppID) {
		t.Errorf("dev ids must match Salesforce's shapes: agent %q app %q", DevAgentID, DevAppID)
	}
}

// Every file in examples/, including ones added later, must load: dev.yaml in dev
// mode, the others with their secrets and key files left out (--no-secrets). The
// subtests above load the known ones with real secrets too.
func TestEveryExampleFileLoads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("examples", "*.y*ml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("want the examples, found %v (%v)", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			o := Options{NoSecrets: true}
			if filepath.Base(f) == "dev.yaml" {
				o = Options{Dev: true}
			}
			if _, err := LoadWith(f, envMap(nil), o); err != nil {
				t.Errorf("want %s to load, got:\n%v", f, err)
			}
		})
	}
}
