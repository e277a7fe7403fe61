package config

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// yamlWith is a minimal valid config with extra server keys and org keys.
func yamlWith(server, org string) string {
	return `session:
  keys_env: KEYS
` + server + `sites:
  - url: https://www.example.com
    org:
      my_domain: https://acme.my.salesforce.com
` + org + `    eca:
      client_id: abc
      client_secret_env: SECRET
    lightning_out:
      app_id: 1UsAb000000Xyz1CAA
    acc:
      agent_id: 0XxAb000000Xyz1CAA
`
}

func TestHSTSSettings(t *testing.T) {
	cases := []struct {
		name, server, wantHeader, wantPath, wantMsg string
	}{
		{"by default one year, without subdomains", "", "max-age=31536000", "", ""},
		{"off turns the header off", "server:\n  hsts: off\n", "", "", ""},
		{"include_subdomains and preload", "server:\n  hsts:\n    max_age: 17520h\n    include_subdomains: true\n    preload: true\n",
			"max-age=63072000; includeSubDomains; preload", "", ""},
		{"a short max_age", "server:\n  hsts:\n    max_age: 10m\n", "max-age=600", "", ""},
		{"preload without subdomains is refused", "server:\n  hsts:\n    preload: true\n", "", "server.hsts.preload", "includeSubDomains"},
		{"preload with a short max_age is refused", "server:\n  hsts:\n    max_age: 1h\n    include_subdomains: true\n    preload: true\n", "", "server.hsts.preload", "at least a year"},
		{"a negative max_age is refused", "server:\n  hsts:\n    max_age: -1s\n", "", "server.hsts.max_age", "negative"},
		{"a word other than off is refused", "server:\n  hsts: sometimes\n", "", "server.hsts", "not an HSTS setting"},
		{"an unknown key is refused", "server:\n  hsts:\n    maxage: 1h\n", "", "server.hsts.maxage", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(yamlWith(tc.server, "")), "test.yaml", minimalEnv, false)
			if tc.wantPath == "" {
				if err != nil {
					t.Fatalf("want a valid config, got %v", err)
				}
				if got := c.Server.HSTS.Header(); got != tc.wantHeader {
					t.Errorf("want header %q, got %q", tc.wantHeader, got)
				}
				return
			}
			for _, p := range problemsOf(t, err) {
				if p.Path == tc.wantPath && strings.Contains(p.Message, tc.wantMsg) && p.Line > 0 {
					return
				}
			}
			t.Errorf("want a problem at %s (with a line) saying %q, got %v", tc.wantPath, tc.wantMsg, err)
		})
	}
}

func writeCA(t *testing.T, dir string) (string, *x509.Certificate) {
	t.Helper()
	k := mustRSA(2048)
	p := writeCert(t, dir, "ca.pem", k, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return p, cert
}

func TestOrgCAFile(t *testing.T) {
	dir := t.TempDir()
	caPath, ca := writeCA(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("a PEM bundle is read, relative to the config file, into the org's pool", func(t *testing.T) {
		c, err := Parse([]byte(yamlWith("", "      ca_file: ca.pem\n")), filepath.Join(dir, "c.yaml"), minimalEnv, false)
		if err != nil {
			t.Fatalf("want a valid config, got %v", err)
		}
		s := c.Sites[0].Org
		if s.CAFile != caPath || s.CAPool == nil {
			t.Fatalf("want ca_file %s loaded into CAPool, got file %q pool %v", caPath, s.CAFile, s.CAPool != nil)
		}
		if _, err := ca.Verify(x509.VerifyOptions{Roots: s.CAPool}); err != nil {
			t.Errorf("want the bundle's CA trusted by the pool, got %v", err)
		}
	})
	for _, tc := range []struct{ name, file, want string }{
		{"a missing file names the key", "missing.pem", "cannot read"},
		{"a file without certificates names the key", "junk.pem", "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(yamlWith("", "      ca_file: "+tc.file+"\n")), filepath.Join(dir, "c.yaml"), minimalEnv, false)
			for _, p := range problemsOf(t, err) {
				if p.Path == "sites[0].org.ca_file" && strings.Contains(p.Message, tc.want) && p.Fix != "" && p.Line > 0 {
					return
				}
			}
			t.Errorf("want a problem at sites[0].org.ca_file saying %q with a fix, got %v", tc.want, err)
		})
	}
}
