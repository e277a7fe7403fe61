package trust

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Policy holds one site's public origin and its exact trusted origins. It is
// built once at start-up and is read-only afterwards, so one Policy is safe
// for concurrent use by every request.
type Policy struct {
	site     Origin
	siteStr  string
	trusted  []Origin          // configured order, deduplicated, without the site
	allowed  map[string]Origin // serialized origin -> origin, site included
	frameAnc string
}

// NewPolicy builds the policy for a site. site is the site's public origin
// (config sites[].url) and trusted its exact trusted origins (config
// sites[].trusted_domains). Duplicates, and the site itself, are dropped from
// the trusted list.
func NewPolicy(site string, trusted []string) (*Policy, error) {
	s, err := ParseOrigin(site)
	if err != nil {
		return nil, fmt.Errorf("sites[].url: %w", err)
	}
	p := &Policy{
		site:    s,
		siteStr: s.String(),
		allowed: map[string]Origin{s.String(): s},
	}
	for i, t := range trusted {
		o, err := ParseOrigin(t)
		if err != nil {
			return nil, fmt.Errorf("sites[].trusted_domains[%d]: %w", i, err)
		}
		if _, dup := p.allowed[o.String()]; dup {
			continue
		}
		p.allowed[o.String()] = o
		p.trusted = append(p.trusted, o)
	}
	var b strings.Builder
	b.WriteString("'self'")
	for _, o := range p.trusted {
		b.WriteByte(' ')
		b.WriteString(o.String())
	}
	p.frameAnc = b.String()
	return p, nil
}

// Site returns the site's own origin.
func (p *Policy) Site() Origin { return p.site }

// TrustedOrigins returns the configured trusted origins in their serialized
// form and configuration order, without the site itself.
func (p *Policy) TrustedOrigins() []string {
	out := make([]string, len(p.trusted))
	for i, o := range p.trusted {
		out[i] = o.String()
	}
	return out
}

// FrameAncestors returns the CSP frame-ancestors source list: 'self' followed
// by every trusted origin.
func (p *Policy) FrameAncestors() string { return p.frameAnc }

// IsTrusted reports whether origin is exactly the site or one of the trusted
// origins (scheme, host and port all equal). Browsers send the Origin header
// already serialized, so the common case is one map lookup; other spellings
// ("HTTPS://Partner.example.org:443") are normalized first, but Unicode
// look-alikes of a trusted host are not folded onto it. "null" and
// anything that is not a bare origin are not trusted.
func (p *Policy) IsTrusted(origin string) bool {
	_, ok := p.lookup(origin)
	return ok
}

func (p *Policy) lookup(origin string) (Origin, bool) {
	if o, ok := p.allowed[origin]; ok {
		return o, true
	}
	o, err := parseOrigin(origin, true)
	if err != nil {
		return Origin{}, false
	}
	o, ok := p.allowed[o.String()]
	return o, ok
}

func (p *Policy) isSite(origin string) bool {
	if origin == p.siteStr {
		return true
	}
	o, err := parseOrigin(origin, true)
	return err == nil && o == p.site
}

// SameOrigin is the CSRF check for state-changing requests. It trusts, in
// order: the Origin header (must equal the site exactly; "null" fails); when
// there is no Origin, Sec-Fetch-Site (must be "same-origin"); when there is
// neither, the origin of the Referer (must equal the site). A request that
// carries none of the three fails: modern browsers always send at least one
// of them on the requests this guards, so their absence means a non-browser
// client or a stripped request, and neither should change state.
func (p *Policy) SameOrigin(r *http.Request) bool {
	if vs := r.Header.Values("Origin"); len(vs) > 0 {
		return len(vs) == 1 && p.isSite(vs[0])
	}
	if vs := r.Header.Values("Sec-Fetch-Site"); len(vs) > 0 {
		return len(vs) == 1 && vs[0] == "same-origin"
	}
	vs := r.Header.Values("Referer")
	if len(vs) != 1 || vs[0] == "" {
		return false
	}
	u, err := url.Parse(vs[0])
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return false
	}
	return p.isSite(u.Scheme + "://" + u.Host)
}
