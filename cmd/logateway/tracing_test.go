package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logateway/logateway/internal/harness"
)

// The real command with OTEL_EXPORTER_OTLP_ENDPOINT set exports its spans, and
// flushes them when it stops.
func TestServeExportsSpansWhenOTELVariablesAskForThem(t *testing.T) {
	var mu sync.Mutex
	var names []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err == nil {
			mu.Lock()
			for _, rs := range req.ResourceSpans {
				for _, ss := range rs.ScopeSpans {
					for _, s := range ss.Spans {
						names = append(names, s.Name)
					}
				}
			}
			mu.Unlock()
		}
	}))
	defer rc.Close()

	gw, org := freeAddr(t), freeAddr(t)
	cmd := exec.Command(binary(t), "--listen", gw, "--dev-org-listen", org, "--admin-listen", "off")
	cmd.Env = append(envWithout(), "OTEL_EXPORTER_OTLP_ENDPOINT="+rc.URL, "OTEL_SERVICE_NAME=logateway-test")
	logs := &harness.LogBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	waitHealthy(t, "http://"+gw, 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGINT")
	}
	mu.Lock()
	got := strings.Join(names, ", ")
	mu.Unlock()
	if !strings.Contains(got, "/__lo/healthz") {
		t.Errorf("want the healthz requests' spans exported by shutdown, got [%s]\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "tracing on") {
		t.Errorf("want the log to say tracing is on, got:\n%s", logs.String())
	}
}
