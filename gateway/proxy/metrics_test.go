package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestMetricsCountByClassAndReason(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	if again := NewMetrics(reg); again.duration != m.duration {
		t.Error("a second NewMetrics on the same registry made new collectors, want the registered ones reused")
	}
	fs := front(t, newProxy(t, Options{Site: "docs", Upstream: mustURL(t, up.URL), Metrics: m}), nil)
	for _, path := range []string{"/a", "/b", "/missing"} {
		do(t, mustGet(t, fs.URL+path))
	}
	host := strings.TrimPrefix(up.URL, "http://")
	for class, want := range map[string]int{"2xx": 2, "4xx": 1, "5xx": 0} {
		h := m.duration.WithLabelValues("docs", host, class).(prometheus.Histogram)
		if got := histogramCount(t, h); got != uint64(want) {
			t.Errorf("upstream_duration_seconds_count{class=%q} = %d, want %d", class, got, want)
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	fs2 := front(t, newProxy(t, Options{Site: "docs", Upstream: mustURL(t, "http://"+addr), Metrics: m}), nil)
	do(t, mustGet(t, fs2.URL+"/"))
	if got := metricOf(t, m.errors.WithLabelValues("docs", addr, "refused")).GetCounter().GetValue(); got != 1 {
		t.Errorf("upstream_errors_total{reason=refused} = %v, want 1", got)
	}
}

func histogramCount(t *testing.T, h prometheus.Histogram) uint64 {
	t.Helper()
	return metricOf(t, h).GetHistogram().GetSampleCount()
}

// metricOf reads one metric's current value.
func metricOf(t *testing.T, m prometheus.Metric) *dto.Metric {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatalf("reading %s: %v", m.Desc(), err)
	}
	return &out
}

func TestHTTPSUpstreamWithItsOwnCA(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	t.Cleanup(up.Close)
	pool := x509.NewCertPool()
	pool.AddCert(up.Certificate())
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), TLSConfig: &tls.Config{RootCAs: pool}})
	resp, body := do(t, mustGet(t, front(t, p, nil).URL+"/"))
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "HTTP/") {
		t.Errorf("got %d %q, want 200 and the upstream's protocol", resp.StatusCode, body)
	}
}
