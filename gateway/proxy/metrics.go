package proxy

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the proxy's collectors, created once and shared by every site's
// Proxy. Labels are the site, the upstream host and a status class or reason,
// never a path (unbounded, and paths can carry secrets).
type Metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	inject   *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg (nil: not
// registered, still usable). Registering twice on the same registry reuses the
// collectors already there instead of panicking.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "logateway",
			Subsystem: "proxy",
			Name:      "upstream_duration_seconds",
			Help:      "Time from sending a request upstream to receiving its response headers, by site, upstream host and status class.",
			Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"site", "upstream", "class"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "logateway",
			Subsystem: "proxy",
			Name:      "upstream_errors_total",
			Help:      "Requests that got no usable upstream response, by reason: refused, timeout, canceled (the visitor left), other.",
		}, []string{"site", "upstream", "reason"}),
		inject: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "logateway",
			Subsystem: "proxy",
			Name:      "inject_total",
			Help:      "Upstream HTML pages on injectable paths, by result: injected, or skipped_encoding/skipped_too_large/skipped_charset when passed untouched.",
		}, []string{"site", "upstream", "result"}),
	}
	if reg != nil {
		m.duration = register(reg, m.duration)
		m.errors = register(reg, m.errors)
		m.inject = register(reg, m.inject)
	}
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // a name clash with a different collector is a programming error
	}
	return c
}

// siteMetrics holds one Proxy's children, resolved once so that the hot path
// never hashes label values.
type siteMetrics struct {
	byClass [6]prometheus.Observer // index status/100; 0 for out-of-range codes
	errs    map[string]prometheus.Counter
	inject  map[string]prometheus.Counter
}

var (
	errorReasons  = []string{"refused", "timeout", "canceled", "other"}
	injectResults = []string{"injected", "skipped_encoding", "skipped_too_large", "skipped_charset"}
)

func (m *Metrics) forSite(site, upstream string) *siteMetrics {
	if m == nil {
		return nil
	}
	s := &siteMetrics{errs: map[string]prometheus.Counter{}, inject: map[string]prometheus.Counter{}}
	classes := [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}
	for i, c := range classes {
		s.byClass[i] = m.duration.WithLabelValues(site, upstream, c)
	}
	for _, r := range errorReasons {
		s.errs[r] = m.errors.WithLabelValues(site, upstream, r)
	}
	for _, r := range injectResults {
		s.inject[r] = m.inject.WithLabelValues(site, upstream, r)
	}
	return s
}

func (s *siteMetrics) observe(status int, d time.Duration) {
	if s == nil {
		return
	}
	i := status / 100
	if i < 1 || i > 5 {
		i = 0
	}
	s.byClass[i].Observe(d.Seconds())
}

func (s *siteMetrics) upstreamError(reason string) {
	if s != nil {
		s.errs[reason].Inc()
	}
}

func (s *siteMetrics) injected(result string) {
	if s != nil {
		s.inject[result].Inc()
	}
}

// timedTransport measures time to response headers per status class. Wrapping
// the RoundTripper keeps the measurement free of per-request context values.
type timedTransport struct {
	next    http.RoundTripper
	metrics *siteMetrics
}

func (t *timedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		t.metrics.observe(resp.StatusCode, time.Since(start))
	}
	return resp, err
}
