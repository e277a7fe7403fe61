package gateway

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/obs"
)

// OrgClient is orgClient for callers outside the gateway that must reach the
// org exactly as a site does (logateway doctor).
func OrgClient(base *http.Client, o config.Org) (*http.Client, error) { return orgClient(base, o) }

// orgClient is the client for a site's calls to the org and the IdP: the shared
// one, or, with org.ca_file, a copy whose TLS trusts the system's roots plus
// that bundle.
func orgClient(base *http.Client, o config.Org) (*http.Client, error) {
	if o.CAFile == "" {
		return base, nil
	}
	pool := o.CAPool
	if pool == nil { // a config built in code, not by config.Load
		var err error
		if pool, err = config.LoadCAPool(o.CAFile); err != nil {
			return nil, fmt.Errorf("org.ca_file: %w", err)
		}
	}
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	case *obs.OrgTransport:
		inner, err := orgClient(&http.Client{Transport: t.Next}, o)
		if err != nil {
			return nil, err
		}
		c := *base
		c.Transport = &obs.OrgTransport{Next: inner.Transport, Metrics: t.Metrics, Tracing: t.Tracing}
		return &c, nil
	default:
		return nil, fmt.Errorf("org.ca_file: the org client's transport is a %T, not an *http.Transport whose roots can be set", t)
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	c := *base
	c.Transport = tr
	return &c, nil
}
