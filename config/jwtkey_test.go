package config

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadJWTKey(t *testing.T) {
	now := time.Now()
	valid := func(dir string, t *testing.T) string {
		return writeCert(t, dir, "jwt.crt", testKeyA, now.Add(-time.Hour), now.Add(time.Hour))
	}
	cases := []struct {
		name    string
		setup   func(t *testing.T, dir string) (key, cert string)
		wantErr string // "" = accepted
		certErr bool
	}{
		{"a 0600 RSA key with its certificate is accepted", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", testKeyA, 0o600), valid(dir, t)
		}, "", false},
		{"a 0400 PKCS#1 key without certificate is accepted", func(t *testing.T, dir string) (string, string) {
			return writePEM(t, dir, "jwt.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testKeyA), 0o400), ""
		}, "", false},
		{"a world-readable key is refused", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", testKeyA, 0o644), ""
		}, "readable by group or others", false},
		{"a group-readable key is refused", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", testKeyA, 0o640), ""
		}, "readable by group or others", false},
		{"a certificate of another key is refused", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", testKeyA, 0o600),
				writeCert(t, dir, "jwt.crt", testKeyB, now.Add(-time.Hour), now.Add(time.Hour))
		}, "does not hold the public key", true},
		{"an ECDSA key is refused", func(t *testing.T, dir string) (string, string) {
			return writeECKey(t, dir, "jwt.key"), ""
		}, "ECDSA key, not RSA", false},
		{"a 1024-bit RSA key is refused", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", mustRSA(1024), 0o600), ""
		}, "1024-bit", false},
		{"an expired certificate is refused", func(t *testing.T, dir string) (string, string) {
			return writeRSAKey(t, dir, "jwt.key", testKeyA, 0o600),
				writeCert(t, dir, "jwt.crt", testKeyA, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
		}, "expired", true},
		{"a missing key file is refused", func(t *testing.T, dir string) (string, string) {
			return filepath.Join(dir, "nope.key"), ""
		}, "cannot read", false},
		{"a file that is not PEM is refused", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "jwt.key")
			if err := os.WriteFile(p, []byte("not a key"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p, ""
		}, "not PEM", false},
		{"a certificate given as key is refused", func(t *testing.T, dir string) (string, string) {
			c := valid(dir, t)
			if err := os.Chmod(c, 0o600); err != nil {
				t.Fatal(err)
			}
			return c, ""
		}, "not a private key", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, cert := tc.setup(t, t.TempDir())
			k, c, ps := LoadJWTKey(key, cert, now)
			if tc.wantErr == "" {
				if len(ps) != 0 || k == nil || (cert != "" && c == nil) {
					t.Fatalf("want the key accepted, got problems %+v", ps)
				}
				return
			}
			if len(ps) != 1 || !strings.Contains(ps[0].Message, tc.wantErr) || ps[0].Cert != tc.certErr || ps[0].Fix == "" {
				t.Fatalf("want one problem containing %q (cert=%v) with a fix, got %+v", tc.wantErr, tc.certErr, ps)
			}
			if k != nil {
				t.Error("want no key returned alongside a problem")
			}
		})
	}
}

func TestLoadReportsKeyFileProblemsAtTheirKeyPath(t *testing.T) {
	dir := t.TempDir()
	writeRSAKey(t, dir, "jwt.key", testKeyA, 0o644)
	writeCert(t, dir, "jwt.crt", testKeyB, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	p := copyExample(t, "jwt-bearer.yaml", dir)
	_, err := Load(p, envMap(map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "x", "LOGATEWAY_SESSION_KEYS": sessionKey1}))
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].Path != "sites[0].signin.jwt.key_file" || ps[0].Line == 0 {
		t.Fatalf("want one problem at sites[0].signin.jwt.key_file with a line (mode checked before the cert), got:\n%v", err)
	}
	// Relative paths are taken from the config file's directory.
	if err := os.Chmod(filepath.Join(dir, "jwt.key"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeCert(t, dir, "jwt.crt", testKeyA, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	data, _ := os.ReadFile(p)
	rel := strings.ReplaceAll(string(data), dir+"/", "")
	if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, envMap(map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "x", "LOGATEWAY_SESSION_KEYS": sessionKey1})); err != nil {
		t.Fatalf("want relative key_file/cert_file found beside the config, got:\n%v", err)
	}
}
