package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/logateway/logateway/internal/harness"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary builds the real command once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "logateway-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "logateway")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *harness.LogBuffer
	done   chan error
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), stderr: &harness.LogBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = p.stderr
	p.cmd.Env = append(os.Environ(), "LOGATEWAY_CONFIG=")
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

func waitHealthy(t *testing.T, url string, within time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	for time.Since(begin) < within {
		resp, err := http.Get(url + "/__lo/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/__lo/healthz did not answer 200 within %s", url, within)
	return 0
}

func TestDevModeStartsHealthyAndStopsCleanlyOnSIGINT(t *testing.T) {
	gw, org, admin := freeAddr(t), freeAddr(t), freeAddr(t)
	p := start(t, "--listen", gw, "--dev-org-listen", org, "--admin-listen", admin)
	took := waitHealthy(t, "http://"+gw, 10*time.Second)
	t.Logf("healthy %s after start", took.Round(time.Millisecond))

	// The dev page names the emulated org; the admin listener shows per-route metrics.
	resp, err := http.Get("http://localhost" + gw[strings.LastIndex(gw, ":"):] + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "emulated Salesforce org") && !strings.Contains(string(body), "Dev mode") {
		t.Errorf("the dev landing page does not say it is dev mode with an emulated org")
	}
	resp, err = http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`logateway_http_requests_total{code="200",route="/__lo/healthz"}`, `route="dev_index"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit after SIGINT: %v (want status 0)\n%s", err, p.stderr.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("still running 3 s after SIGINT")
	}
}

func TestSIGINTFinishesInFlightRequests(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(1200 * time.Millisecond)
		_, _ = io.WriteString(w, "slow answer")
	}))
	defer slow.Close()
	gw := freeAddr(t)
	cfgPath := writeConfig(t, gw, slow.URL, "https://partner-a.example")
	p := start(t, "--dev", "--config", cfgPath, "--admin-listen", "off")
	waitHealthy(t, "http://"+gw, 10*time.Second)

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://localhost" + gw[strings.LastIndex(gw, ":"):] + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	time.Sleep(300 * time.Millisecond) // the request is in flight
	begin := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "slow answer" {
		t.Fatalf("in-flight request during shutdown: status %d body %q err %v; want 200 \"slow answer\"", r.status, r.body, r.err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("not stopped 3 s after SIGINT")
	}
	t.Logf("stopped %s after SIGINT, in-flight request answered", time.Since(begin).Round(time.Millisecond))
}

func writeConfig(t *testing.T, listen, upstream, trusted string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "logateway.yaml")
	rewriteConfig(t, path, listen, upstream, trusted)
	return path
}

func rewriteConfig(t *testing.T, path, listen, upstream, trusted string) {
	t.Helper()
	host := listen[strings.LastIndex(listen, ":"):]
	cfg := fmt.Sprintf(`listen: %q
log:
  format: text
sites:
  - url: http://localhost%s
    org:
      my_domain: http://127.0.0.1:1
    eca:
      client_id: 3MVG9test
      client_secret: test-secret
      scopes: [web, openid, refresh_token]
    lightning_out:
      app_id: 1Usdevorg000000AAA
    acc:
      agent_id: 0Xxdevorg000000AAA
    upstream:
      url: %s
    trusted_domains: [%q]
`, listen, host, upstream, trusted)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// corsAllowed asks /__lo/session as a cross-origin caller.
func corsAllowed(t *testing.T, gw, origin string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+gw+"/__lo/session", nil)
	req.Host = "localhost" + gw[strings.LastIndex(gw, ":"):]
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Access-Control-Allow-Origin") == origin
}

func TestSIGHUPAppliesANewConfigAndKeepsTheOldOneWhenBroken(t *testing.T) {
	gw := freeAddr(t)
	cfgPath := writeConfig(t, gw, "http://127.0.0.1:1", "https://partner-a.example")
	p := start(t, "--dev", "--config", cfgPath, "--admin-listen", "off")
	waitHealthy(t, "http://"+gw, 10*time.Second)
	if !corsAllowed(t, gw, "https://partner-a.example") {
		t.Fatal("partner-a is configured as trusted but gets no CORS answer")
	}

	rewriteConfig(t, cfgPath, gw, "http://127.0.0.1:1", "https://partner-b.example")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for !corsAllowed(t, gw, "https://partner-b.example") {
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP partner-b is still not trusted\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if corsAllowed(t, gw, "https://partner-a.example") {
		t.Fatal("after SIGHUP the removed partner-a is still trusted")
	}

	// A broken edit: the old config stays, the errors are logged.
	if err := os.WriteFile(cfgPath, []byte("sites:\n  - url: http://localhost:1\n    trusted_domain: [oops]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(p.stderr.String(), "reload refused") {
		if time.Now().After(deadline) {
			t.Fatalf("a broken config was not reported in the log:\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.stderr.String(), "trusted_domain") {
		t.Errorf("the reload error does not name the bad key:\n%s", p.stderr.String())
	}
	if !corsAllowed(t, gw, "https://partner-b.example") {
		t.Fatal("after a broken reload the gateway no longer serves the old config")
	}
}

func TestCheckPrintsTheChecklistAndRejectsBadConfigs(t *testing.T) {
	var out, errOut bytes.Buffer
	env := map[string]string{"LOGATEWAY_ECA_CLIENT_SECRET": "s3cret-value", "LOGATEWAY_SESSION_KEYS": strings.Repeat("k", 32), "LOGATEWAY_REDIS_PASSWORD": "pw"}
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), []string{"check", "--config", "../../config/examples/production.yaml"}, getenv, &out, &errOut)
	if err != nil {
		t.Fatalf("check of the production example: %v", err)
	}
	if strings.Contains(out.String(), "s3cret-value") {
		t.Error("check printed the client secret")
	}
	if !strings.Contains(out.String(), "/callback.html") {
		t.Errorf("checklist lacks the callback URL:\n%s", out.String())
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte(`sites:
  - url: http://www.example.com
    org: {my_domain: https://acme.my.salesforce.com}
    eca: {client_id: x, client_secret_env: NOPE, calback_path: /cb}
    trusted_domains: ["https://partner.example.org/path"]
`), 0o600)
	out.Reset()
	err = run(context.Background(), []string{"check", "--config", bad}, getenv, &out, &errOut)
	ee, ok := err.(exitError)
	if !ok || ee.code != 2 {
		t.Fatalf("check of a bad config: err %v, want exit status 2", err)
	}
	for _, want := range []string{"sites[0].url", "sites[0].trusted_domains[0]", "calback_path", "callback_path"} {
		if !strings.Contains(ee.msg, want) {
			t.Errorf("check output lacks %q:\n%s", want, ee.msg)
		}
	}
}

func TestCheckSaysEachSitesModeAndPrintsTheFrontProxyConfig(t *testing.T) {
	env := map[string]string{"LOGATEWAY_ECA_CLIENT_SECRET": "s3cret-value", "LOGATEWAY_SESSION_KEYS": strings.Repeat("k", 32), "LOGATEWAY_REDIS_PASSWORD": "pw"}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		name, file string
		want       []string
	}{
		{"a site with an upstream is in full-proxy mode", "production.yaml", []string{"sites[0] https://www.example.com: full-proxy mode", "http://web.internal:3000"}},
		{"a forward-auth site gets the nginx configuration filled in", "forward-auth.yaml", []string{
			"sites[0] https://www.example.com: forward-auth mode",
			"server 127.0.0.1:8080;", "set $lo_site www.example.com;", "auth_request /__lo/auth;",
			"proxy_set_header X-Forwarded-User $lo_user;", "location = /callback.html",
		}},
	}
	// The same site with signin_redirect gets the Caddy configuration.
	ex, err := os.ReadFile("../../config/examples/forward-auth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	caddyCfg := filepath.Join(t.TempDir(), "caddy.yaml")
	if err := os.WriteFile(caddyCfg, []byte(strings.Replace(string(ex), "signin_redirect: false", "signin_redirect: true", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		name, file string
		want       []string
	}{"a forward-auth site with signin_redirect gets the Caddy configuration", caddyCfg, []string{
		"sites[0] https://www.example.com: forward-auth mode", "Paste this into Caddy", "www.example.com {", "rewrite /__lo/auth",
	}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			file := tc.file
			if !filepath.IsAbs(file) {
				file = "../../config/examples/" + file
			}
			if err := run(context.Background(), []string{"check", "--config", file}, getenv, &out, &errOut); err != nil {
				t.Fatalf("check: %v\n%s", err, errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("check output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "s3cret-value") {
				t.Error("check printed the client secret")
			}
		})
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestSessionsSurviveAReload(t *testing.T) {
	orgAddr, gw := freeAddr(t), freeAddr(t)
	gatewayURL := "http://localhost" + gw[strings.LastIndex(gw, ":"):]
	orgURL := "http://" + orgAddr
	start(t, "devorg", "--listen", orgAddr, "--callback", gatewayURL+"/callback.html", "--host-origin", gatewayURL)
	path := filepath.Join(t.TempDir(), "logateway.yaml")
	write := func(trusted string) {
		cfg := fmt.Sprintf(`listen: %q
sites:
  - url: %s
    org: {my_domain: %q}
    eca: {client_id: 3MVG9devorg.logateway.client, client_secret: devorg-client-secret, scopes: [web, openid, refresh_token]}
    lightning_out: {app_id: 1Usdevorg000000AAA}
    acc: {agent_id: 0Xxdevorg000000AAA}
    trusted_domains: [%q]
`, gw, gatewayURL, orgURL, trusted)
		if err := os.WriteFile(path+".tmp", []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	write("https://partner-a.example")
	p := start(t, "--dev", "--config", path, "--admin-listen", "off")
	waitHealthy(t, "http://"+gw, 10*time.Second)
	for i := 0; ; i++ {
		resp, err := http.Get(orgURL + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("the devorg process never answered: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := harness.Client()
	if _, err := harness.SignInAt(c, gatewayURL, orgURL, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	signedIn := func() bool {
		resp, err := c.Get(gatewayURL + "/__lo/session")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"signedIn":true`)
	}
	if !signedIn() {
		t.Fatal("not signed in after sign-in")
	}
	write("https://partner-b.example")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for !corsAllowed(t, gw, "https://partner-b.example") {
		if time.Now().After(deadline) {
			t.Fatalf("the reload never applied\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !signedIn() {
		t.Fatalf("the reload signed the visitor out (dev-mode session keys must survive it)\n%s", p.stderr.String())
	}
}
