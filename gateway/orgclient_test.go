package gateway

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// An org behind a private CA: the shared client refuses its certificate, the
// site's client built from org.ca_file trusts it, and the shared client is
// left as it was (other sites keep the system's roots only).
func TestOrgCAFileTrustsAPrivateCAForThatSiteOnly(t *testing.T) {
	org := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("org"))
	}))
	t.Cleanup(org.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: org.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	base := &http.Client{Timeout: 5 * time.Second}
	if _, err := base.Get(org.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("control: want the shared client to refuse the private CA, got %v", err)
	}
	c, err := orgClient(base, config.Org{CAFile: caFile})
	if err != nil {
		t.Fatalf("want a client for org.ca_file, got %v", err)
	}
	resp, err := c.Get(org.URL)
	if err != nil {
		t.Fatalf("want the org reached through org.ca_file's roots, got %v", err)
	}
	resp.Body.Close()
	if c.Timeout != base.Timeout {
		t.Errorf("want the shared client's timeout %s kept, got %s", base.Timeout, c.Timeout)
	}
	if base.Transport != nil {
		t.Errorf("want the shared client untouched, got its transport replaced")
	}
	if same, _ := orgClient(base, config.Org{}); same != base {
		t.Errorf("want the shared client itself when org.ca_file is not set")
	}
	if _, err := orgClient(base, config.Org{CAFile: filepath.Join(t.TempDir(), "none.pem")}); err == nil || !strings.Contains(err.Error(), "org.ca_file") {
		t.Errorf("want a missing ca_file refused naming org.ca_file, got %v", err)
	}
}

// Every caller of a site's org and IdP uses the one client org.ca_file built:
// the org client, the jwt-bearer flow (IdP discovery, code exchange, keys) and
// its token host, and the API relay.
func TestOrgCAFileReachesEveryOrgAndIdPCaller(t *testing.T) {
	org := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(org.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: org.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Dev("http://localhost:8080", "http://127.0.0.1:8081")
	sc := &cfg.Sites[0]
	sc.Org.CAFile = caFile
	sc.Signin.Flow = "jwt-bearer"
	sc.Signin.IdP = config.IdP{Issuer: "https://idp.example.test", ClientID: "gw", Secret: "s", UsernameClaim: "email", UsernameTemplate: "{{value}}"}
	sc.Signin.JWT.Key = key
	sc.APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Identity: "visitor"}}
	tpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	shared := &http.Client{Timeout: 5 * time.Second}
	g, err := New(cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: session.NewMemoryStore(session.MemoryOptions{}), Templates: tpl, OrgHTTP: shared})
	if err != nil {
		t.Fatalf("want a gateway with org.ca_file, got %v", err)
	}
	s := g.state.Load().sites["localhost:8080"]
	jb, ok := s.signin.(*auth.JWTBearer)
	if !ok {
		t.Fatalf("want the jwt-bearer sign-in, got %T", s.signin)
	}
	if s.orgHTTP == shared {
		t.Fatal("want a site client of its own for org.ca_file, got the shared one")
	}
	for what, c := range map[string]*http.Client{"org client": s.org.HTTP, "jwt-bearer IdP and exchange": jb.HTTP, "jwt-bearer token host": jb.Org.HTTP} {
		if c != s.orgHTTP {
			t.Errorf("%s: want the site's org.ca_file client, got another", what)
		}
	}
	if len(s.relays) != 1 || s.relays[0].client.Transport != s.orgHTTP.Transport {
		t.Error("api relay: want the site's org.ca_file transport")
	}
	resp, err := jb.HTTP.Get(org.URL)
	if err != nil {
		t.Fatalf("want the IdP client to trust org.ca_file's CA, got %v", err)
	}
	resp.Body.Close()
}
