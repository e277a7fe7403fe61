package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/templates"
)

// reloadFixture is a real gateway built from a dev-mode config file, and the
// reloader serve would give it.
type reloadFixture struct {
	listen string
	file   configFile
	gw     *gateway.Gateway
	rl     *reloader
	log    *harness.LogBuffer
}

func newReloadFixture(t *testing.T, trusted string) *reloadFixture {
	t.Helper()
	// listen is only written into the config: nothing binds it.
	x := &reloadFixture{listen: "127.0.0.1:18080", log: &harness.LogBuffer{}}
	path := writeConfig(t, x.listen, "http://127.0.0.1:1", trusted)
	x.file = configFile{path: path, flags: serveFlags{dev: true}, getenv: func(string) string { return "" }}
	cfg, err := x.file.load()
	if err != nil {
		t.Fatalf("the fixture config does not load: %v", err)
	}
	tpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(x.log, nil))
	x.gw, err = gateway.New(cfg, gateway.Deps{Logger: logger, Store: session.NewMemoryStore(session.MemoryOptions{}), Templates: tpl})
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	x.rl = &reloader{path: path, load: x.file.load, gw: x.gw, logger: logger}
	return x
}

// trusts reports whether the gateway answers a CORS request from origin.
func (x *reloadFixture) trusts(origin string) bool {
	req := httptest.NewRequest(http.MethodGet, "http://localhost"+x.listen[strings.LastIndex(x.listen, ":"):]+"/__lo/session", nil)
	req.Header.Set("Origin", origin)
	rec := httptest.NewRecorder()
	x.gw.ServeHTTP(rec, req)
	return rec.Header().Get("Access-Control-Allow-Origin") == origin
}

func TestReloaderAppliesAChangedTrustedDomain(t *testing.T) {
	x := newReloadFixture(t, "https://partner-a.example")
	if !x.trusts("https://partner-a.example") {
		t.Fatal("before the reload partner-a, which the config trusts, gets no CORS answer")
	}
	rewriteConfig(t, x.file.path, x.listen, "http://127.0.0.1:1", "https://partner-b.example")
	if err := x.rl.Reload(); err != nil {
		t.Fatalf("Reload of a valid config = %v, want nil\n%s", err, x.log)
	}
	if !x.trusts("https://partner-b.example") {
		t.Error("after the reload partner-b is still not trusted")
	}
	if x.trusts("https://partner-a.example") {
		t.Error("after the reload the removed partner-a is still trusted")
	}
	if !strings.Contains(x.log.String(), "config reloaded") {
		t.Errorf("the reload was not logged:\n%s", x.log)
	}
}

func TestReloaderRefusesABrokenConfigAndKeepsTheOldOne(t *testing.T) {
	x := newReloadFixture(t, "https://partner-a.example")
	before := x.gw.Config()
	if err := os.WriteFile(x.file.path, []byte("sites:\n  - url: http://localhost:1\n    trusted_domain: [oops]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := x.rl.Reload()
	if err == nil || !strings.Contains(err.Error(), "trusted_domain") {
		t.Fatalf("Reload of a broken config = %v, want an error naming trusted_domain", err)
	}
	if got := x.gw.Config(); got != before {
		t.Error("a refused reload replaced the config in force")
	}
	if !x.trusts("https://partner-a.example") {
		t.Error("after a refused reload the old config's trusted domain is no longer served")
	}
	logged := x.log.String()
	if !strings.Contains(logged, "config reload refused") || !strings.Contains(logged, "trusted_domain") {
		t.Errorf("the log does not say the reload was refused and name the bad key:\n%s", logged)
	}
}

func TestReloaderKeepsDevModeSessionKeys(t *testing.T) {
	x := newReloadFixture(t, "https://partner-a.example")
	keys := x.gw.Config().Session.Keys
	if len(keys) == 0 {
		t.Fatal("dev mode generated no session keys")
	}
	if fresh, err := x.file.load(); err != nil || reflect.DeepEqual(fresh.Session.Keys, keys) {
		t.Fatalf("each dev-mode load should generate new keys (err %v); the test would prove nothing", err)
	}
	rewriteConfig(t, x.file.path, x.listen, "http://127.0.0.1:1", "https://partner-b.example")
	if err := x.rl.Reload(); err != nil {
		t.Fatalf("Reload = %v, want nil", err)
	}
	if got := x.gw.Config().Session.Keys; !reflect.DeepEqual(got, keys) {
		t.Error("the reload replaced the dev-mode session keys: every session would end at a reload")
	}
}

func TestReloaderReportsRestartOnlySettings(t *testing.T) {
	x := newReloadFixture(t, "https://partner-a.example")
	rewriteConfig(t, x.file.path, "127.0.0.1:18081", "http://127.0.0.1:1", "https://partner-a.example")
	if err := x.rl.Reload(); err != nil {
		t.Fatalf("Reload = %v, want nil: a restart-only change is reported, not refused", err)
	}
	logged := x.log.String()
	if !strings.Contains(logged, "changes only at restart") || !strings.Contains(logged, "key=listen") {
		t.Errorf("a changed listen address was not reported as restart-only:\n%s", logged)
	}
}

func TestReloaderWithoutAConfigFileHasNothingToReload(t *testing.T) {
	rl := &reloader{logger: slog.New(slog.DiscardHandler)}
	if err := rl.Reload(); err == nil || !strings.Contains(err.Error(), "nothing to reload") {
		t.Fatalf("Reload in dev mode without a file = %v, want \"nothing to reload\"", err)
	}
}

func TestRestartOnlyNamesWhatAReloadCannotChange(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *config.Config)
		want   []string
	}{
		{"nothing changed is nothing to report", func(*config.Config) {}, nil},
		{"a new listen address needs a restart", func(c *config.Config) { c.Listen = ":9999" }, []string{"listen"}},
		{"a new admin address needs a restart", func(c *config.Config) { c.AdminListen = "off" }, []string{"admin_listen"}},
		{"a new log level needs a restart", func(c *config.Config) { c.Log.Level = "debug" }, []string{"log"}},
		{"a server timeout needs a restart", func(c *config.Config) { c.Server.IdleTimeout = config.Duration(time.Minute) }, []string{"server"}},
		{"server.hsts applies at a reload", func(c *config.Config) { c.Server.HSTS.Preload = !c.Server.HSTS.Preload }, nil},
		{"another session store needs a restart", func(c *config.Config) { c.Session.Store = "redis" }, []string{"session.store / session.redis / session.max_sessions"}},
		{"trusted domains apply at a reload", func(c *config.Config) { c.Sites[0].TrustedDomains = []string{"https://x.example"} }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := config.Dev("http://localhost:8080", "http://127.0.0.1:8081")
			c := config.Dev("http://localhost:8080", "http://127.0.0.1:8081")
			tc.change(c)
			if got := restartOnly(old, c); !slices.Equal(got, tc.want) {
				t.Errorf("restartOnly = %q, want %q", got, tc.want)
			}
		})
	}
}
