package obs

import (
	"testing"

	dto "github.com/prometheus/client_model/go"
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
			var d dto.Metric
			if err := m.requests.WithLabelValues(c.route, c.code).Write(&d); err != nil {
				t.Fatal(err)
			}
			if got := d.GetCounter().GetValue(); got != c.want {
				t.Errorf("requests{route=%q,code=%q}: want %v, got %v", c.route, c.code, c.want, got)
			}
		})
	}
	t.Run("the latency histogram is fed by class", func(t *testing.T) {
		for _, c := range []struct {
			route, class string
			want         uint64
		}{{"proxy", "2xx", 3}, {"proxy", "3xx", 1}, {"callback", "2xx", 1}, {"proxy", "other", 1}} {
			var d dto.Metric
			if err := m.latency.WithLabelValues(c.route, c.class).(interface{ Write(*dto.Metric) error }).Write(&d); err != nil {
				t.Fatal(err)
			}
			if got := d.GetHistogram().GetSampleCount(); got != c.want {
				t.Errorf("latency{route=%q,class=%q} samples: want %d, got %d", c.route, c.class, c.want, got)
			}
		}
	})
}
