package obs

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObserveCountsThroughTheCache(t *testing.T) {
	m := NewMetrics()
	for range 3 {
		m.Observe("proxy", 200, 0.001)
	}
	m.Observe("proxy", 302, 0.001)
	m.Observe("callback", 200, 0.002)
	m.Observe("proxy", 0, 0.001) // no status written: "other"

	cases := []struct {
		name        string
		route, code string
		want        float64
	}{
		{"repeated requests on one route and status all count", "proxy", "200", 3},
		{"another status on the same route counts apart", "proxy", "302", 1},
		{"another route with the same status counts apart", "callback", "200", 1},
		{"a status outside 1-599 counts as other", "proxy", "other", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testutil.ToFloat64(m.requests.WithLabelValues(c.route, c.code)); got != c.want {
				t.Errorf("requests{route=%q,code=%q}: want %v, got %v", c.route, c.code, c.want, got)
			}
		})
	}
	t.Run("the latency histogram is fed by class", func(t *testing.T) {
		if got := testutil.CollectAndCount(m.latency); got != 4 { // proxy 2xx, proxy 3xx, callback 2xx, proxy other
			t.Errorf("latency series: want 4, got %d", got)
		}
	})
}
