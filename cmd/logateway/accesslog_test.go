package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/logateway/logateway/internal/harness"
)

// log.access decides whether serve writes a line per request to stdout: on
// by default, nothing at all when off. The rest of the log is not affected.
func TestLogAccessTurnsTheAccessLogOnAndOff(t *testing.T) {
	for _, tc := range []struct {
		setting  string // "" leaves the key out
		wantLine bool
	}{{"", true}, {"on", true}, {"off", false}} {
		t.Run("log.access="+tc.setting, func(t *testing.T) {
			path := writeConfig(t, "127.0.0.1:18081", "http://127.0.0.1:1", "https://www.example.com")
			if tc.setting != "" {
				rewriteLogSection(t, path, "log:\n  format: text\n  access: "+tc.setting+"\n")
			}
			file := configFile{path: path, flags: serveFlags{dev: true}, getenv: func(string) string { return "" }}
			cfg, err := file.load()
			if err != nil {
				t.Fatalf("config: %v", err)
			}
			out := &harness.LogBuffer{} // the flusher writes from its own goroutine
			logs := &harness.LogBuffer{}
			gw, stop, err := newGateway(context.Background(), cfg, gatewayEnv{getenv: func(string) string { return "" },
				stdout: out, logger: slog.New(slog.NewTextHandler(logs, nil)), logFormat: "text"})
			if err != nil {
				t.Fatalf("newGateway: %v", err)
			}
			req := httptest.NewRequest(http.MethodGet, "http://localhost:18081/__lo/healthz", nil)
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("healthz: %d", rec.Code)
			}
			stop() // flushes the access log
			got := out.String()
			has := strings.Contains(got, "msg=request") && strings.Contains(got, "path=/__lo/healthz")
			if has != tc.wantLine {
				t.Errorf("stdout after one request = %q; want an access line: %v", got, tc.wantLine)
			}
			if !tc.wantLine && got != "" {
				t.Errorf("with the access log off stdout should stay empty, got %q", got)
			}
		})
	}
}

// rewriteLogSection replaces the "log:" block writeConfig wrote.
func rewriteLogSection(t *testing.T, path, block string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "log:\n  format: text\n", block, 1)
	if s == string(b) {
		t.Fatalf("%s has no log block to replace:\n%s", path, b)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
