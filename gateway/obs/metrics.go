package obs

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the gateway's own collectors, registered once on Registry. Names
// follow Prometheus conventions: one counter per family of outcomes with a
// result label, seconds for durations, and the same label names everywhere
// (route, code for status codes, class for status classes, result for outcomes,
// endpoint for org calls, command for Redis). Label values are fixed strings
// chosen by the code, never request data.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// Reloads counts config reloads by result (ok, rejected).
	Reloads        *prometheus.CounterVec
	signins        *prometheus.CounterVec
	signouts       prometheus.Counter
	refreshes      *prometheus.CounterVec
	mints          *prometheus.CounterVec
	storeErrors    prometheus.Counter
	relayTokens    *prometheus.CounterVec
	orgDuration    *prometheus.HistogramVec
	redisDuration  *prometheus.HistogramVec
	buildInfo      *prometheus.GaugeVec
	orgObservers   sync.Map // [2]string{endpoint, class} -> prometheus.Observer
	redisObservers sync.Map // [2]string{command, result} -> prometheus.Observer
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

// Families lists every metric family the gateway exports besides the Go and
// process collectors; the README and the Grafana dashboard are checked against it.
var Families = []string{
	"logateway_build_info",
	"logateway_http_requests_total",
	"logateway_http_request_duration_seconds",
	"logateway_http_requests_in_flight",
	"logateway_signins_total",
	"logateway_signouts_total",
	"logateway_token_refreshes_total",
	"logateway_frontdoor_mints_total",
	"logateway_relay_tokens_total",
	"logateway_session_store_errors_total",
	"logateway_org_request_duration_seconds",
	"logateway_redis_command_duration_seconds",
	"logateway_config_reloads_total",
	"logateway_proxy_upstream_duration_seconds",
	"logateway_proxy_upstream_errors_total",
	"logateway_proxy_inject_total",
}

var fastBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

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
			Buckets: fastBuckets,
		}, []string{"route", "class"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "logateway_http_requests_in_flight",
			Help: "Requests being answered now (proxied WebSockets and streams included until they end).",
		}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_config_reloads_total",
			Help: "Config reloads by result (ok, rejected).",
		}, []string{"result"}),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_signins_total",
			Help: "Sign-ins by flow (web-server, jwt-bearer, handoff) and result (ok; failed: expired flow, org error redirect, code or assertion refused; org_error: the org unreachable or its answer untrusted; refused: a popup hand-off code refused; handed_off: a popup's sign-in sent to its opener).",
		}, []string{"flow", "result"}),
		signouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logateway_signouts_total",
			Help: "Sign-outs (session deleted, refresh token revoked at the org).",
		}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_token_refreshes_total",
			Help: "Access token renewals by result: ok, failed (org unreachable), ended (the org ended the session), saved_late (saved after a store outage), lost (could not be saved).",
		}, []string{"result"}),
		mints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_frontdoor_mints_total",
			Help: "Frontdoor URLs asked for, by result (ok, failed).",
		}, []string{"result"}),
		relayTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logateway_relay_tokens_total",
			Help: "API relay requests that could not get a token from the org, by result (failed).",
		}, []string{"result"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logateway_session_store_errors_total",
			Help: "Requests answered 503 because the session store was unreachable.",
		}),
		orgDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logateway_org_request_duration_seconds",
			Help:    "Calls to the org and the IdP, until response headers, by endpoint (token, singleaccess, revoke, userinfo, introspect, discovery, keys, api, other) and status class (2xx..5xx, or error when no answer came).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint", "class"}),
		redisDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logateway_redis_command_duration_seconds",
			Help:    "Redis commands of the session store, by command (lower case; pipeline and multi for batches) and result (ok, error; a missing key is ok).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"command", "result"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "logateway_build_info",
			Help: "Always 1; the labels say which build is running.",
		}, []string{"version", "revision", "goversion"}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight, m.Reloads, m.signins, m.signouts, m.refreshes,
		m.mints, m.relayTokens, m.storeErrors, m.orgDuration, m.redisDuration, m.buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.buildInfo.WithLabelValues("devel", "unknown", runtime.Version()).Set(1)
	return m
}

// SetBuildInfo names the running build in logateway_build_info.
func (m *Metrics) SetBuildInfo(version, revision, goversion string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version, revision, goversion).Set(1)
}

var codeStrings = func() [600]string {
	var a [600]string
	for i := range a {
		a[i] = strconv.Itoa(i)
	}
	return a
}()

var classStrings = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// Class is the status class label of a status code.
func Class(status int) string {
	if status > 0 && status < 600 {
		return classStrings[status/100]
	}
	return "other"
}

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
	if status > 0 && status < 600 {
		code = codeStrings[status]
	}
	o := &observers{count: m.requests.WithLabelValues(route, code), latency: m.latency.WithLabelValues(route, Class(status))}
	m.observers.Store(k, o)
	o.count.Inc()
	o.latency.Observe(seconds)
}

// InFlight is the gauge of requests being answered.
func (m *Metrics) InFlight() prometheus.Gauge { return m.inFlight }

// Signin counts one sign-in outcome.
func (m *Metrics) Signin(flow, result string) { m.signins.WithLabelValues(flow, result).Inc() }

// Signout counts one sign-out.
func (m *Metrics) Signout() { m.signouts.Inc() }

// TokenRefresh counts one renewal outcome; it takes auth.Tokens' OnRenew names
// ("refresh_ok", …) as well as bare results.
func (m *Metrics) TokenRefresh(event string) {
	if len(event) > 8 && event[:8] == "refresh_" {
		event = event[8:]
	}
	m.refreshes.WithLabelValues(event).Inc()
}

// FrontdoorMint counts one frontdoor URL request by result.
func (m *Metrics) FrontdoorMint(result string) { m.mints.WithLabelValues(result).Inc() }

// RelayToken counts an API relay token outcome.
func (m *Metrics) RelayToken(result string) { m.relayTokens.WithLabelValues(result).Inc() }

// StoreError counts a request refused because the session store was down.
func (m *Metrics) StoreError() { m.storeErrors.Inc() }

// OrgRequest records one call to the org: endpoint is a fixed name, status 0
// means no answer came.
func (m *Metrics) OrgRequest(endpoint string, status int, seconds float64) {
	class := "error"
	if status != 0 {
		class = Class(status)
	}
	observer(&m.orgObservers, m.orgDuration, endpoint, class).Observe(seconds)
}

// observer returns the histogram of (a, b) in vec, looked up once and then
// served from cache: label hashing per call would cost more than the sample.
func observer(cache *sync.Map, vec *prometheus.HistogramVec, a, b string) prometheus.Observer {
	k := [2]string{a, b}
	v, ok := cache.Load(k)
	if !ok {
		v, _ = cache.LoadOrStore(k, vec.WithLabelValues(a, b))
	}
	return v.(prometheus.Observer)
}

// RedisCommand records one Redis command (or batch) of the session store.
func (m *Metrics) RedisCommand(command string, failed bool, seconds float64) {
	result := "ok"
	if failed {
		result = "error"
	}
	observer(&m.redisObservers, m.redisDuration, command, result).Observe(seconds)
}
