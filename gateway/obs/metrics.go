package obs

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the gateway's own collectors, registered once on Registry.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// Events counts notable outcomes by name: sign-ins, refreshes, frontdoor mints,
	// store errors. Names are fixed strings chosen by the code, never request data.
	Events *prometheus.CounterVec
	// Reloads counts config reloads by result.
	Reloads *prometheus.CounterVec
	// observers caches the two label lookups per (route, status) pair, so a
	// request costs one map load instead of hashing four label values. Routes
	// are fixed names and statuses below 600, so it stays small.
	observers sync.Map // observerKey -> *observers
}

type observerKey struct {
	route  string
	status int
}

type observers struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics registers the gateway's collectors and the Go/process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_http_requests_total",
			Help: "Requests answered, by route (a fixed route name, never a raw path) and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logateway_http_request_duration_seconds",
			Help:    "Time to answer, by route and status class.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "class"}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_events_total",
			Help: "Notable outcomes: signin_ok, signin_failed, refresh_ok, refresh_failed, frontdoor_ok, frontdoor_failed, store_unavailable, …",
		}, []string{"event"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_config_reloads_total",
			Help: "Config reloads by result (ok, rejected).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.Events, m.Reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

var codeStrings = func() [600]string {
	var a [600]string
	for i := range a {
		a[i] = strconv.Itoa(i)
	}
	return a
}()

var classStrings = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// Observe records one answered request.
func (m *Metrics) Observe(route string, status int, seconds float64) {
	k := observerKey{route, status}
	if v, ok := m.observers.Load(k); ok {
		o := v.(*observers)
		o.count.Inc()
		o.latency.Observe(seconds)
		return
	}
	code := "other"
	class := "other"
	if status > 0 && status < 600 {
		code = codeStrings[status]
		class = classStrings[status/100]
	}
	o := &observers{count: m.requests.WithLabelValues(route, code), latency: m.latency.WithLabelValues(route, class)}
	m.observers.Store(k, o)
	o.count.Inc()
	o.latency.Observe(seconds)
}

// Event counts one named outcome.
func (m *Metrics) Event(name string) { m.Events.WithLabelValues(name).Inc() }
