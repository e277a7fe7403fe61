package obs_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/proxy"
)

// describing is a Registerer that only records the names of what registers.
type describing struct{ names map[string]bool }

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := fqName.FindStringSubmatch(desc.String()); m != nil {
			d.names[m[1]] = true
		}
	}
	return nil
}
func (d *describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}
func (d *describing) Unregister(prometheus.Collector) bool { return false }

// exported lists every logateway_ family the gateway's collectors can export.
func exported(t *testing.T) map[string]bool {
	m := obs.NewMetrics()
	d := &describing{names: map[string]bool{}}
	proxy.NewMetrics(d)
	// Touch each family once so the gathered output names it.
	m.Observe("r", 200, 0.1)
	m.Signin("web-server", "ok")
	m.Signout()
	m.TokenRefresh("refresh_ok")
	m.FrontdoorMint("ok")
	m.RelayToken("failed")
	m.StoreError()
	m.OrgRequest("token", 200, 0.1)
	m.RedisCommand("get", false, 0.001)
	m.Reloads.WithLabelValues("ok").Inc()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "logateway_") {
			d.names[f.GetName()] = true
		}
	}
	return d.names
}

func TestFamiliesListsExactlyWhatIsExported(t *testing.T) {
	got := exported(t)
	listed := map[string]bool{}
	for _, f := range obs.Families {
		listed[f] = true
		if !got[f] {
			t.Errorf("obs.Families lists %s, which no collector exports", f)
		}
	}
	for f := range got {
		if !listed[f] {
			t.Errorf("%s is exported but missing from obs.Families", f)
		}
	}
}

func TestTheREADMEListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range obs.Families {
		if !strings.Contains(string(readme), "`"+f) {
			t.Errorf("README does not list %s", f)
		}
	}
}

var metricRef = regexp.MustCompile(`logateway_[a-z_]+`)

func TestTheGrafanaDashboardQueriesOnlyMetricsThatExist(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana/logateway.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct{ Query any }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	known := exported(t)
	used := map[string]bool{}
	check := func(where, expr string) {
		for _, ref := range metricRef.FindAllString(expr, -1) {
			base := ref
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(ref, suf); ok && known[b] {
					base = b
				}
			}
			if !known[base] {
				t.Errorf("%s queries %s, which the gateway does not export", where, ref)
			}
			used[base] = true
		}
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			check("panel "+p.Title, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if s, ok := v.Query.(string); ok {
			check("variable", s)
		}
	}
	for _, f := range obs.Families {
		if !used[f] {
			t.Errorf("the dashboard shows nothing of %s", f)
		}
	}
}
