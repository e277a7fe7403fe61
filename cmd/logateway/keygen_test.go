package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/salesforce"
)

// keygenInto runs `logateway keygen --out dir` with extra flags.
func keygenInto(t *testing.T, dir string, extra ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"keygen", "--out", dir}, extra...), func(string) string { return "" }, &out, &errOut)
	return out.String(), err
}

func keygenCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s is not a PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestKeygenWritesAKeyAndCertificateFromTheFlags(t *testing.T) {
	dir := t.TempDir()
	out, err := keygenInto(t, dir, "--cn", "gateway.acme.example", "--days", "90")
	if err != nil {
		t.Fatalf("keygen: %v", err)
	}
	key, crt := filepath.Join(dir, "jwt.key"), filepath.Join(dir, "jwt.crt")

	t.Run("the key file is readable by its owner only", func(t *testing.T) {
		st, err := os.Stat(key)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("key mode %04o, want 0600", st.Mode().Perm())
		}
	})
	t.Run("the certificate carries the common name and validity asked for", func(t *testing.T) {
		cert := keygenCert(t, crt)
		if cert.Subject.CommonName != "gateway.acme.example" {
			t.Errorf("CN %q, want gateway.acme.example", cert.Subject.CommonName)
		}
		days := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24
		if days < 89 || days > 91 {
			t.Errorf("validity %.1f days, want 90", days)
		}
		if cert.SignatureAlgorithm != x509.SHA256WithRSA {
			t.Errorf("signature %v, want SHA256-RSA", cert.SignatureAlgorithm)
		}
	})
	t.Run("the output names the upload step and the config keys", func(t *testing.T) {
		for _, want := range []string{"Enable JWT Bearer Flow", crt, "signin.jwt.key_file", "Admin approved users are pre-authorized"} {
			if !strings.Contains(out, want) {
				t.Errorf("keygen output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "PRIVATE KEY") {
			t.Error("keygen printed the private key")
		}
	})
}

func TestKeygenRefusesToOverwriteWithoutForce(t *testing.T) {
	dir := t.TempDir()
	if _, err := keygenInto(t, dir); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "jwt.key"))

	_, err := keygenInto(t, dir)
	ee, ok := err.(exitError)
	if !ok || ee.code != 2 || !strings.Contains(ee.msg, "--force") {
		t.Fatalf("second keygen: err %v, want exit status 2 naming --force", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "jwt.key")); !bytes.Equal(before, after) {
		t.Fatal("the refused keygen changed the key file")
	}

	if _, err := keygenInto(t, dir, "--force"); err != nil {
		t.Fatalf("keygen --force: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "jwt.key"))
	if bytes.Equal(before, after) {
		t.Fatal("keygen --force left the old key in place")
	}
	if st, _ := os.Stat(filepath.Join(dir, "jwt.key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("overwritten key mode %04o, want 0600", st.Mode().Perm())
	}
}

// emulatedOrgWithCert runs the emulated org with the ECA's JWT bearer flow on
// and certPEM uploaded, alice pre-authorized.
func emulatedOrgWithCert(t *testing.T, certPEM []byte) *salesforce.Client {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	origin := "http://" + srv.Listener.Addr().String()
	oc := devorg.DefaultConfig(origin, []string{"http://localhost/callback.html"}, nil)
	oc.Apps[0].JWTBearer = true
	oc.Apps[0].CertificatePEM = string(certPEM)
	oc.Apps[0].PermittedUsers = devorg.AdminApproved
	oc.Apps[0].AssignedUsernames = []string{"alice@devorg.example"}
	org, err := devorg.New(oc)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = org
	srv.Start()
	t.Cleanup(srv.Close)
	return &salesforce.Client{HTTP: &http.Client{Timeout: 10 * time.Second}, BaseURL: origin, ClientID: devorg.DefaultClientID}
}

func TestKeygenOutputIsAcceptedByTheEmulatedOrg(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if _, err := keygenInto(t, d); err != nil {
			t.Fatal(err)
		}
	}
	certPEM, _ := os.ReadFile(filepath.Join(dir, "jwt.crt"))
	org := emulatedOrgWithCert(t, certPEM)

	exchange := func(keyFile string) (salesforce.Token, error) {
		key, err := salesforce.LoadPrivateKey(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		a, err := salesforce.SignAssertion(key, salesforce.Assertion{ClientID: org.ClientID, Username: "alice@devorg.example", Audience: org.BaseURL}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return org.JWTBearer(context.Background(), a)
	}
	t.Run("an assertion signed with the generated key gets a token", func(t *testing.T) {
		tok, err := exchange(filepath.Join(dir, "jwt.key"))
		if err != nil {
			t.Fatalf("JWT bearer with keygen's key and certificate: %v", err)
		}
		if tok.AccessToken == "" || tok.RefreshToken != "" {
			t.Fatalf("token: access token set %v, refresh token set %v; want an access token and no refresh token",
				tok.AccessToken != "", tok.RefreshToken != "")
		}
	})
	t.Run("a key that does not match the uploaded certificate is refused with the certificate hint", func(t *testing.T) {
		_, err := exchange(filepath.Join(other, "jwt.key"))
		se, ok := salesforce.AsError(err)
		if !ok || se.Code != "invalid_grant" || !strings.Contains(se.Description, "invalid assertion") {
			t.Fatalf("mismatched key: err %v, want invalid_grant invalid assertion", err)
		}
		if h := se.Hint(); !strings.Contains(h, "certificate uploaded to the ECA") || !strings.Contains(h, "signin.jwt.key_file") {
			t.Fatalf("hint %q should name the ECA certificate and signin.jwt.key_file", h)
		}
	})
}

// jwtConfig writes the jwt-bearer example with its key and certificate paths
// pointed at keyFile and certFile.
func keygenJWTConfig(t *testing.T, keyFile, certFile string) string {
	t.Helper()
	data, err := os.ReadFile("../../config/examples/jwt-bearer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "/etc/logateway/jwt.key", keyFile, 1)
	s = strings.Replace(s, "/etc/logateway/jwt.crt", certFile, 1)
	p := filepath.Join(t.TempDir(), "jwt.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckValidatesTheJWTKeyAndPrintsTheJWTChecklist(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if _, err := keygenInto(t, d); err != nil {
			t.Fatal(err)
		}
	}
	key, crt := filepath.Join(dir, "jwt.key"), filepath.Join(dir, "jwt.crt")
	env := map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "okta-s3cret", "LOGATEWAY_SESSION_KEYS": strings.Repeat("k", 32)}
	getenv := func(k string) string { return env[k] }
	check := func(cfg string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"check", "--config", cfg}, getenv, &out, &errOut)
		return out.String(), err
	}

	t.Run("a matching key and certificate pass and the JWT bearer steps are printed", func(t *testing.T) {
		out, err := check(keygenJWTConfig(t, key, crt))
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		for _, want := range []string{"config OK", "Enable JWT Bearer Flow: checked; upload certificate: " + crt,
			"Admin approved users are pre-authorized", "signin.idp.username_claim = email"} {
			if !strings.Contains(out, want) {
				t.Errorf("checklist lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "okta-s3cret") {
			t.Error("check printed the IdP client secret")
		}
	})
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (keyFile, certFile string)
		want  []string
	}{
		{"a world-readable key is refused", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "open.key")
			data, _ := os.ReadFile(key)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			return p, crt
		}, []string{"signin.jwt.key_file", "chmod 600"}},
		{"a certificate of another key is refused", func(t *testing.T) (string, string) {
			return key, filepath.Join(other, "jwt.crt")
		}, []string{"signin.jwt.cert_file", "does not hold the public key"}},
		{"a key file that is not an RSA key is refused", func(t *testing.T) (string, string) {
			return crt, crt
		}, []string{"signin.jwt.key_file"}},
		{"a missing key file is refused", func(t *testing.T) (string, string) {
			return filepath.Join(t.TempDir(), "nope.key"), crt
		}, []string{"signin.jwt.key_file", "cannot read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, c := tc.setup(t)
			_, err := check(keygenJWTConfig(t, k, c))
			ee, ok := err.(exitError)
			if !ok || ee.code != 2 {
				t.Fatalf("check: err %v, want exit status 2", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(ee.msg, want) {
					t.Errorf("check output lacks %q:\n%s", want, ee.msg)
				}
			}
		})
	}
}

func TestCheckWarnsWhenTheACCScopesAreMissing(t *testing.T) {
	dir := t.TempDir()
	if _, err := keygenInto(t, dir); err != nil {
		t.Fatal(err)
	}
	p := keygenJWTConfig(t, filepath.Join(dir, "jwt.key"), filepath.Join(dir, "jwt.crt"))
	data, _ := os.ReadFile(p)
	narrowed := strings.Replace(string(data), "scopes: [api, web, lightning, refresh_token, openid]", "scopes: [web, refresh_token, openid]", 1)
	if narrowed == string(data) {
		t.Fatal("the jwt-bearer example no longer has the scopes this test narrows")
	}
	if err := os.WriteFile(p, []byte(narrowed), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "x", "LOGATEWAY_SESSION_KEYS": strings.Repeat("k", 32)}
	var out, errb strings.Builder
	if err := run(context.Background(), []string{"check", "--config", p}, func(k string) string { return env[k] }, &out, &errb); err != nil {
		t.Fatalf("check: %v %s", err, errb.String())
	}
	for _, want := range []string{"warning: sites[0].eca.scopes", "no lightning scope", "no api scope", "Access Lightning applications (lightning)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("wanted check to print %q, got:\n%s", want, out.String())
		}
	}
}
