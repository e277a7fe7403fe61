package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logateway/logateway/gateway/devorg"
)

// doctorSetup starts an emulated org and writes a dev config for a gateway at
// a free localhost port that signs in against it; edit changes the org.
func doctorSetup(t *testing.T, secret string, edit func(*devorg.Config)) (cfgPath, siteURL string) {
	t.Helper()
	addr := freeAddr(t)
	siteURL = "http://localhost" + addr[strings.LastIndex(addr, ":"):]
	srv := httptest.NewUnstartedServer(nil)
	orgURL := "http://" + srv.Listener.Addr().String()
	oc := devorg.DefaultConfig(orgURL, []string{siteURL + "/callback.html"}, []string{siteURL})
	if edit != nil {
		edit(&oc)
	}
	org, err := devorg.New(oc)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = org
	srv.Start()
	t.Cleanup(srv.Close)
	cfgPath = filepath.Join(t.TempDir(), "dev.yaml")
	yaml := `sites:
  - url: ` + siteURL + `
    org: {my_domain: ` + orgURL + `}
    eca:
      client_id: ` + devorg.DefaultClientID + `
      client_secret: ` + secret + `
      scopes: [web, api, id, openid, refresh_token, profile, email]
    lightning_out: {app_id: ` + devorg.DefaultLOAppID + `}
    acc: {agent_id: 0Xxdevorg000000AAA, agent_label: Devorg Agent}
`
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, siteURL
}

func TestDoctorCommandExitsByTheChecks(t *testing.T) {
	getenv := func(string) string { return "" }
	cfg, site := doctorSetup(t, devorg.DefaultClientSecret, nil)

	t.Run("a matching org prints one line per check and exits 0", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"doctor", "--dev", "--config", cfg}, getenv, &out, &errOut); err != nil {
			t.Fatalf("doctor: %v\n%s%s", err, out.String(), errOut.String())
		}
		for _, want := range []string{"site " + site, "ok    consumer_secret", "ok    callback_url", "Setup matches the config."} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})

	t.Run("--json gives the checks and the failure count", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"doctor", "--dev", "--json", "--config", cfg, "--site", site}, getenv, &out, io.Discard); err != nil {
			t.Fatalf("doctor --json: %v", err)
		}
		var rep struct {
			Failures int `json:"failures"`
			Sites    []struct {
				URL    string `json:"url"`
				Checks []struct{ Check, Status string }
			} `json:"sites"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Sites) != 1 || rep.Failures != 0 || len(rep.Sites[0].Checks) < 10 {
			t.Fatalf("--json: %v; got %s", err, out.String())
		}
	})

	t.Run("an unknown --site is a usage error", func(t *testing.T) {
		err := run(context.Background(), []string{"doctor", "--dev", "--config", cfg, "--site", "https://other.example"}, getenv, io.Discard, io.Discard)
		if ee, ok := err.(exitError); !ok || ee.code != 2 || !strings.Contains(ee.msg, site) {
			t.Fatalf("err %v, want exit 2 listing the configured sites", err)
		}
	})

	t.Run("a wrong secret fails one check, exits 1 and is never printed", func(t *testing.T) {
		const wrong = "wrong-devorg-secret-77"
		bad, _ := doctorSetup(t, wrong, nil)
		var out bytes.Buffer
		err := run(context.Background(), []string{"doctor", "--dev", "--config", bad}, getenv, &out, io.Discard)
		if ee, ok := err.(exitError); !ok || ee.code != 1 {
			t.Fatalf("err %v, want exit status 1\n%s", err, out.String())
		}
		if n := strings.Count(out.String(), "FAIL"); n != 1 || !strings.Contains(out.String(), "FAIL  consumer_secret") {
			t.Errorf("want one FAIL, on consumer_secret; got %d:\n%s", n, out.String())
		}
		if strings.Contains(out.String(), wrong) {
			t.Error("doctor printed the configured secret")
		}
	})
}

// TestAdminDoctorIsCachedPrometheusText runs the real binary in dev mode and
// reads /doctor on its admin listener twice: Prometheus text, one run.
func TestAdminDoctorIsCachedPrometheusText(t *testing.T) {
	gw, org, admin := freeAddr(t), freeAddr(t), freeAddr(t)
	p := start(t, "--listen", gw, "--dev-org-listen", org, "--admin-listen", admin)
	waitHealthy(t, "http://"+gw, 10*time.Second)
	// The admin listener opens just after the public one.
	for begin := time.Now(); time.Since(begin) < 5*time.Second; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + admin + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
	}
	get := func() (string, string) {
		resp, err := http.Get("http://" + admin + "/doctor")
		if err != nil {
			t.Fatalf("%v\n%s", err, p.stderr.String())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), string(b)
	}
	ct, first := get()
	if !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus text", ct)
	}
	for _, want := range []string{
		`logateway_doctor_check_ok{check="consumer_secret",site="http://localhost:`,
		`logateway_doctor_failed_checks{site="http://localhost:`,
		"logateway_doctor_last_run_timestamp_seconds ",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("/doctor lacks %s:\n%s", want, first)
		}
	}
	if strings.Contains(first, `_check_ok{check="consumer_secret",site="http://localhost:`+gw[strings.LastIndex(gw, ":")+1:]+`"} 0`) {
		t.Errorf("the dev-mode org fails consumer_secret:\n%s", first)
	}
	if _, second := get(); lastRun(second) != lastRun(first) || lastRun(first) == "" {
		t.Errorf("second /doctor ran again (last run %q then %q); want the cached run", lastRun(first), lastRun(second))
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
}

func lastRun(metrics string) string {
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "logateway_doctor_last_run_timestamp_seconds ") {
			return l
		}
	}
	return ""
}
