package trust

import (
	"net/http"
	"strings"
)

// Preflight answers. The gateway's JSON endpoints take GET and POST with a
// JSON body and the CSRF header; nothing else is offered cross-site.
const (
	corsAllowMethods = "GET, POST"
	corsAllowHeaders = "Content-Type, X-Requested-With, X-LO-CSRF"
	corsMaxAge       = "600" // seconds; Chromium caps preflight caching at 7200
)

var corsHeaderOK = map[string]bool{
	"content-type":     true,
	"x-requested-with": true,
	"x-lo-csrf":        true,
}

// CORS writes the CORS response headers for one of the gateway's JSON
// endpoints and reports whether the request's origin is allowed and whether
// the request is a preflight (OPTIONS with Access-Control-Request-Method).
//
// An allowed origin (the site or an exactly trusted origin) gets
// Access-Control-Allow-Origin set to that origin, Allow-Credentials true and,
// on a preflight asking only for GET/POST and the headers Content-Type,
// X-Requested-With and X-LO-CSRF, the allowed methods, headers and a max-age.
// Any other origin, "null", a missing Origin, or a preflight asking for more
// gets no CORS headers at all. Vary: Origin is always added so a cache never
// serves one origin's answer to another.
//
// The caller answers a preflight itself and stops: 204 when allowed, 403
// when not. CORS does not make a request safe to act on; state-changing
// handlers still need SameOrigin or a CSRF token.
func (p *Policy) CORS(w http.ResponseWriter, r *http.Request) (allowed bool, preflight bool) {
	h := w.Header()
	addVary(h, "Origin")
	preflight = r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if preflight {
		addVary(h, "Access-Control-Request-Method")
		addVary(h, "Access-Control-Request-Headers")
	}
	vs := r.Header.Values("Origin")
	if len(vs) != 1 {
		return false, preflight
	}
	o, ok := p.lookup(vs[0])
	if !ok {
		return false, preflight
	}
	if preflight && !preflightAcceptable(r) {
		return false, true
	}
	h.Set("Access-Control-Allow-Origin", o.String())
	h.Set("Access-Control-Allow-Credentials", "true")
	if preflight {
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	return true, preflight
}

func preflightAcceptable(r *http.Request) bool {
	switch r.Header.Get("Access-Control-Request-Method") {
	case http.MethodGet, http.MethodPost:
	default:
		return false
	}
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(line, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "" && !corsHeaderOK[name] {
				return false
			}
		}
	}
	return true
}

// addVary adds a token to Vary unless it is already listed, so that other
// middleware's Vary values survive.
func addVary(h http.Header, token string) {
	for _, line := range h.Values("Vary") {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimSpace(v)
			if v == "*" || strings.EqualFold(v, token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}
