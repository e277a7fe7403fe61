package gateway

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
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
