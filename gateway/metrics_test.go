package gateway_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/redistest"
)

// series returns the value of the counter, gauge or histogram sample count
// of family with exactly the given labels, and whether it exists.
func series(t *testing.T, m *obs.Metrics, family string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != family {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range s.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestMetricsCountOutcomesByFamilyAndTimeOrgAndRedisCalls(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
	var metrics atomic.Pointer[obs.Metrics]
	timer := session.CommandTimer(func(cmd string, failed bool, s float64) {
		if m := metrics.Load(); m != nil {
			m.RedisCommand(cmd, failed, s)
		}
	})
	store, err := session.NewRedisStore(session.RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix, Hooks: []session.Hook{timer}})
	if err != nil {
		t.Fatal(err)
	}
	env := harness.Start(t, harness.Options{Store: store})
	metrics.Store(env.Metrics)

	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := askFrontdoor(t, c, env, http.MethodPost, env.URL); status != http.StatusOK {
		t.Fatalf("frontdoor: %d", status)
	}
	signOutVia(t, c, env.URL)
	// A callback with a state nobody issued: a failed sign-in.
	resp, err := c.Get(env.URL + "/callback.html?state=forged&code=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	m := env.Metrics
	for _, tc := range []struct {
		family string
		labels map[string]string
		min    float64
	}{
		{"logateway_signins_total", map[string]string{"flow": "web-server", "result": "ok"}, 1},
		{"logateway_signins_total", map[string]string{"flow": "web-server", "result": "failed"}, 1},
		{"logateway_frontdoor_mints_total", map[string]string{"result": "ok"}, 1},
		{"logateway_signouts_total", nil, 1},
		{"logateway_org_request_duration_seconds", map[string]string{"endpoint": "token", "class": "2xx"}, 1},
		{"logateway_org_request_duration_seconds", map[string]string{"endpoint": "singleaccess", "class": "2xx"}, 1},
		{"logateway_org_request_duration_seconds", map[string]string{"endpoint": "revoke", "class": "2xx"}, 1},
		{"logateway_redis_command_duration_seconds", map[string]string{"command": "get", "result": "ok"}, 1},
		{"logateway_http_requests_total", map[string]string{"route": "callback", "code": "400"}, 1},
		{"logateway_build_info", map[string]string{"version": "devel"}, 1},
	} {
		got, ok := series(t, m, tc.family, tc.labels)
		if !ok || got < tc.min {
			t.Errorf("%s%v: want at least %v, got %v (present %v)", tc.family, tc.labels, tc.min, got, ok)
		}
	}
	if got, ok := series(t, m, "logateway_http_requests_in_flight", nil); !ok || got != 0 {
		t.Errorf("in-flight gauge after all requests ended: want 0, got %v (present %v)", got, ok)
	}
	// No family outside the documented list, and no event-style family left.
	fams, _ := m.Registry.Gather()
	known := strings.Join(obs.Families, " ")
	for _, f := range fams {
		n := f.GetName()
		if strings.HasPrefix(n, "logateway_") && !strings.Contains(" "+known+" ", " "+n+" ") {
			t.Errorf("%s is exported but not in obs.Families (README and dashboard are checked against that list)", n)
		}
	}
}
