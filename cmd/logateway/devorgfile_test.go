package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/testidp"
)

// startIn runs the binary in dir with extra environment variables.
func startIn(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), stderr: &harness.LogBuffer{}, done: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = p.stderr
	p.cmd.Env = append(append(os.Environ(), "LOGATEWAY_CONFIG="), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func waitUp(t *testing.T, url string, p *proc) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case err := <-p.done:
			t.Fatalf("%s exited: %v\n%s", url, err, p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s never answered:\n%s", url, p.stderr.String())
}

// What the README's "Try the JWT bearer flow locally" says, as a test: the emulated org
// from config/examples/devorg/jwt-bearer.yaml, a local OpenID Connect provider, and the
// gateway with config/examples/jwt-bearer.yaml in dev mode, overridden only by the
// LOGATEWAY_ variables the README lists, sign a visitor in end to end.
func TestDevorgConfigFileRunsTheJWTBearerExampleEndToEnd(t *testing.T) {
	root, _ := filepath.Abs("../..")
	work := t.TempDir()
	if err := os.Mkdir(filepath.Join(work, "dev-keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := keygenInto(t, filepath.Join(work, "dev-keys")); err != nil {
		t.Fatal(err)
	}
	orgAddr, gwAddr := freeAddr(t), freeAddr(t)
	gwURL := "http://localhost:" + strings.Split(gwAddr, ":")[1]
	example, err := os.ReadFile(filepath.Join(root, "config/examples/devorg/jwt-bearer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	orgFile := filepath.Join(work, "devorg.yaml") // beside dev-keys/, as the README has it
	if err := os.WriteFile(orgFile, example, 0o600); err != nil {
		t.Fatal(err)
	}
	org := startIn(t, work, nil, "devorg", "--config", orgFile, "--listen", orgAddr)
	waitUp(t, "http://"+orgAddr+"/.well-known/openid-configuration", org)

	const idpClient, idpSecret = "0oa1b2c3d4e5f6g7h8i9", "local-idp-secret"
	idp := testidp.Start(t, []testidp.Client{{ID: idpClient, Secret: idpSecret, RedirectURIs: []string{gwURL + "/callback.html"}}},
		[]testidp.User{{Username: "jane", Password: "pw-jane", Email: "jane@acme.com", Name: "Jane Doe"},
			{Username: "bob", Password: "pw-bob", Email: "bob@acme.com", Name: "Bob"}})
	gw := startIn(t, work, []string{
		"LOGATEWAY_SITES_0_URL=" + gwURL,
		"LOGATEWAY_SITES_0_ORG_MY_DOMAIN=http://" + orgAddr,
		"LOGATEWAY_SITES_0_SIGNIN_IDP_ISSUER=" + idp.Issuer,
		"LOGATEWAY_OKTA_CLIENT_SECRET=" + idpSecret,
		"LOGATEWAY_SITES_0_SIGNIN_JWT_KEY_FILE=" + filepath.Join(work, "dev-keys/jwt.key"),
		"LOGATEWAY_SITES_0_SIGNIN_JWT_CERT_FILE=" + filepath.Join(work, "dev-keys/jwt.crt"),
		"LOGATEWAY_SESSION_KEYS=" + strings.Repeat("k", 32),
	}, "--dev", "--config", filepath.Join(root, "config/examples/jwt-bearer.yaml"), "--listen", gwAddr, "--admin-listen", "off")
	waitHealthy(t, "http://"+gwAddr, 20*time.Second)

	signIn := func(user, pw string) (*http.Client, *http.Response) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(gwURL + "/__lo/login?rd=%2Fchat")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		authorize := resp.Header.Get("Location")
		if !strings.HasPrefix(authorize, idp.Issuer) {
			t.Fatalf("login: wanted a redirect to the local IdP, got %d %q\n%s", resp.StatusCode, authorize, gw.stderr.String())
		}
		cb := idp.LoginAs(t, nil, authorize, user, pw)
		resp, err = c.Get(cb)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c, resp
	}

	c, resp := signIn("jane", "pw-jane")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/chat" {
		t.Fatalf("callback: wanted a redirect to /chat, got %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), gw.stderr.String())
	}
	req, _ := http.NewRequest(http.MethodPost, gwURL+"/__lo/frontdoor", nil)
	req.Header.Set("Origin", gwURL)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var fd struct {
		FrontdoorURL, OrgID string
	}
	_ = json.NewDecoder(resp.Body).Decode(&fd)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(fd.FrontdoorURL, "http://"+orgAddr+"/secur/frontdoor.jsp?") {
		t.Fatalf("frontdoor: wanted 200 with a URL on the emulated org, got %d\n%s", resp.StatusCode, gw.stderr.String())
	}
	resp, err = c.Get(fd.FrontdoorURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("the emulated org refused the frontdoor URL: %d", resp.StatusCode)
	}

	// bob is a user of the org but not pre-authorized: refused, and the log says why.
	_, resp = signIn("bob", "pw-bob")
	for i := 0; i < 40 && !strings.Contains(gw.stderr.String(), "admin approved"); i++ {
		time.Sleep(50 * time.Millisecond) // the process's stderr reaches the buffer through a pipe
	}
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(gw.stderr.String(), "admin approved") {
		t.Errorf("bob: wanted 403 and the org's 'not admin approved' in the log, got %d\n%s", resp.StatusCode, gw.stderr.String())
	}
}
