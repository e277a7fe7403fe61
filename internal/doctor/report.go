package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Status is a check's outcome.
type Status string

const (
	// OK: Setup matches the config for this check.
	OK Status = "ok"
	// Fail: Setup (or the config) must change; Fix says where.
	Fail Status = "fail"
	// Skip: the check did not run, because it does not apply to the site or a
	// check it depends on already failed (that one line names the fix).
	Skip Status = "skip"
)

// label is how a text report shows the status: failures stand out.
func (s Status) label() string {
	if s == Fail {
		return "FAIL"
	}
	return string(s)
}

// Check names, in the order a report lists them.
const (
	CheckMyDomain       = "my_domain"
	CheckDiscovery      = "discovery"
	CheckJWKS           = "jwks"
	CheckConsumerKey    = "consumer_key"
	CheckCallbackURL    = "callback_url"
	CheckScopes         = "scopes"
	CheckConsumerSecret = "consumer_secret"
	CheckJWTCertificate = "jwt_certificate"
	CheckLOScript       = "lo_script"
	CheckACCSDK         = "acc_sdk"
	CheckLOApp          = "lo_app"
	CheckPublicURL      = "public_url"
	CheckCallbackPath   = "callback_path"
	CheckEmbedCSP       = "embed_csp"
	CheckTrustedDomains = "trusted_domains"
)

// Result is one check of one site.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	// Detail says what was asked and what the org (or the gateway) answered,
	// in Salesforce's own words where it has any.
	Detail string `json:"detail"`
	// Fix names the Setup screen and field (or the config key) to change; set
	// only when Status is Fail.
	Fix string `json:"fix,omitempty"`
}

// SiteReport is every check of one site.
type SiteReport struct {
	URL     string   `json:"url"`
	Org     string   `json:"org"`
	Results []Result `json:"checks"`
}

// Failures counts the failed checks of the site.
func (s SiteReport) Failures() int {
	n := 0
	for _, r := range s.Results {
		if r.Status == Fail {
			n++
		}
	}
	return n
}

// Report is one doctor run.
type Report struct {
	Time  time.Time    `json:"time"`
	Sites []SiteReport `json:"sites"`
}

// Failures counts the failed checks of every site.
func (r *Report) Failures() int {
	n := 0
	for _, s := range r.Sites {
		n += s.Failures()
	}
	return n
}

// WriteText prints the report for a person: per site a heading, then one line
// per check (status, check, what was seen, and for a failure the fix).
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i, s := range r.Sites {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "site %s (org %s)\n", s.URL, s.Org)
		for _, c := range s.Results {
			line := fmt.Sprintf("  %-4s  %-16s %s", c.Status.label(), c.Check, c.Detail)
			if c.Fix != "" {
				line += " — fix: " + c.Fix
			}
			b.WriteString(line + "\n")
		}
	}
	switch n := r.Failures(); n {
	case 0:
		b.WriteString("\nSetup matches the config.\n")
	case 1:
		b.WriteString("\n1 check failed.\n")
	default:
		fmt.Fprintf(&b, "\n%d checks failed.\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object, for CI and monitoring.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Failures int `json:"failures"`
	}{r, r.Failures()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// metricsHandler serves the report in Prometheus' text format: one gauge per
// check that ran (1 ok, 0 failed; skipped checks are left out), the failures
// per site, and when the checks ran.
func (r *Report) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	check := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "logateway_doctor_check_ok",
		Help: "1 when the Salesforce Setup check passed, 0 when it failed; skipped checks are absent. GET /doctor?format=text names the fix.",
	}, []string{"site", "check"})
	failures := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "logateway_doctor_failed_checks",
		Help: "Failed Salesforce Setup checks per site.",
	}, []string{"site"})
	last := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "logateway_doctor_last_run_timestamp_seconds",
		Help: "When the Setup checks last ran (they are cached between runs).",
	})
	reg.MustRegister(check, failures, last)
	for _, s := range r.Sites {
		failures.WithLabelValues(s.URL).Set(float64(s.Failures()))
		for _, c := range s.Results {
			switch c.Status {
			case OK:
				check.WithLabelValues(s.URL, c.Check).Set(1)
			case Fail:
				check.WithLabelValues(s.URL, c.Check).Set(0)
			}
		}
	}
	last.Set(float64(r.Time.UnixNano()) / 1e9)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
