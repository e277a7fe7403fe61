package obs

import (
	"net/http"
	"strings"
	"time"
)

// OrgTransport times every call to the org (and the IdP) by endpoint. It wraps
// the org client's transport; Next is usually an *http.Transport.
type OrgTransport struct {
	Next    http.RoundTripper
	Metrics *Metrics
	// Tracing, when on, makes each call a client span "org <endpoint>" and
	// sends the org a W3C traceparent.
	Tracing *Tracing
}

// RoundTrip implements http.RoundTripper.
func (t *OrgTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	next := t.next()
	if t.Tracing != nil {
		next = t.Tracing.Transport(next, "org", func(r *http.Request) string { return OrgEndpoint(r.URL.Path) })
	}
	resp, err := next.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.Metrics.OrgRequest(OrgEndpoint(r.URL.Path), status, time.Since(start).Seconds())
	return resp, err
}

// CloseIdleConnections passes through, so http.Client.CloseIdleConnections works.
func (t *OrgTransport) CloseIdleConnections() {
	if c, ok := t.next().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *OrgTransport) next() http.RoundTripper {
	if t.Next == nil {
		return http.DefaultTransport
	}
	return t.Next
}

// OrgEndpoint names the org endpoint a path belongs to: a fixed, small set, so
// it is safe as a label and a span name.
func OrgEndpoint(path string) string {
	switch {
	case strings.HasSuffix(path, "/oauth2/token") || strings.HasSuffix(path, "/v1/token"):
		return "token"
	case strings.HasSuffix(path, "singleaccess"):
		return "singleaccess"
	case strings.HasSuffix(path, "/revoke"):
		return "revoke"
	case strings.HasSuffix(path, "/userinfo"):
		return "userinfo"
	case strings.HasSuffix(path, "/introspect"):
		return "introspect"
	case strings.HasSuffix(path, "/.well-known/openid-configuration"):
		return "discovery"
	case strings.HasSuffix(path, "/id/keys") || strings.HasSuffix(path, "/keys") || strings.HasSuffix(path, "/jwks"):
		return "keys"
	case strings.HasPrefix(path, "/services/data/") || strings.HasPrefix(path, "/services/apexrest/"):
		return "api"
	}
	return "other"
}
