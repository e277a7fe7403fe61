package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/logateway/logateway/gateway/trust"
)

// embedCSP allows exactly what the embed needs: our scripts by nonce and from
// 'self', the org's Lightning Out library, frames from the org, fetches to us.
func (s *site) embedCSP() trust.CSP {
	scripts := []string{"'self'"}
	if o := originOf(s.scriptURL); o != "" {
		scripts = append(scripts, o)
	}
	imgs := []string{"'self'", "data:", s.orgOrigin}
	return trust.CSP{
		Default:        []string{"'self'"},
		Script:         scripts,
		Style:          []string{"'self'"},
		Img:            imgs,
		Connect:        []string{"'self'"},
		Frame:          s.frameOrigins(),
		FrameAncestors: strings.Fields(s.policy.FrameAncestors()),
		Form:           s.signoutFormAction(),
		Base:           []string{"'none'"},
		Object:         []string{"'none'"},
	}
}

// noFrame marks a page no other page may frame, not even a trusted domain's:
// the sign-out confirm page (a framing page could trick a click on its button)
// and the popup callback (it only ever runs in its own window). X-Frame-Options
// covers browsers that do not know frame-ancestors.
func noFrame(h http.Header, s *site, nonce string) {
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	h.Set("Content-Security-Policy", csp.Header(nonce))
	h.Set("X-Frame-Options", "DENY")
}

// pageHeaders starts the headers of one of the gateway's own pages: never
// cached, under csp with a fresh nonce, which it returns for the page's tags.
func pageHeaders(h http.Header, csp trust.CSP) string {
	nonce := trust.NewNonce()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp.Header(nonce))
	return nonce
}

// pageCSP is the CSP of the gateway's own pages other than the embed page.
func pageCSP(s *site) trust.CSP {
	fa := []string{"'none'"}
	if s != nil {
		fa = strings.Fields(s.policy.FrameAncestors())
	}
	return trust.CSP{
		Default: []string{"'self'"}, Script: []string{"'self'"}, Style: []string{"'self'"},
		Img: []string{"'self'", "data:"}, Connect: []string{"'self'"}, Frame: []string{"'none'"},
		FrameAncestors: fa, Form: []string{"'self'"}, Base: []string{"'none'"}, Object: []string{"'none'"},
	}
}

// signoutFormAction is the CSP form-action of pages with a sign-out form: the
// gateway answers the form with a redirect to the org's end-session endpoint, and
// browsers apply form-action to the redirects of a form submission.
func (s *site) signoutFormAction() []string {
	if s.orgOrigin == "" {
		return []string{"'self'"}
	}
	return []string{"'self'", s.orgOrigin}
}

// extendUpstreamCSP lets the injected launcher run under the upstream's own CSP:
// our nonce for the tag, the org for the LO library and its frames.
func (s *site) extendUpstreamCSP(csp, nonce string) string {
	csp = trust.ExtendCSP(csp, "script-src", "'nonce-"+nonce+"'", "'self'", s.orgOrigin)
	csp = trust.ExtendCSP(csp, "frame-src", s.frameOrigins()...)
	csp = trust.ExtendCSP(csp, "connect-src", "'self'")
	return csp
}

// frameOrigins are the org origins the Lightning Out iframes come from.
func (s *site) frameOrigins() []string {
	out := []string{s.orgOrigin}
	if u, err := url.Parse(s.orgOrigin); err == nil {
		if name, ok := strings.CutSuffix(u.Hostname(), ".my.salesforce.com"); ok {
			out = append(out, "https://"+name+".lightning.force.com")
		}
	}
	if o := originOf(s.scriptURL); o != "" && o != s.orgOrigin {
		out = append(out, o)
	}
	// An Experience Cloud site's frontdoor, auth page and components come from the site.
	if o := originOf(s.siteURL); o != "" && !slices.Contains(out, o) {
		out = append(out, o)
	}
	return out
}
