package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/proxy"
)

// SigninHeader carries the sign-in URL on a 401 of the auth endpoint, for
// nginx's error_page to redirect to (auth_request keeps only the status).
const SigninHeader = "X-Lo-Signin"

// forwardAuth answers a front proxy's auth subrequest: nginx auth_request,
// Caddy forward_auth, Traefik ForwardAuth, Envoy ext_authz over HTTP. The
// original request's URI, method and host come from the proxy's headers, which
// are believed only from trusted_proxies; the site's access rules judge that
// URI with the same function as the built-in proxy, and the session is loaded
// as the proxy loads it. The answer is 200 with the identity headers for the
// proxy to copy upstream (none for an anonymous visitor on a public path), or,
// for an anonymous visitor on a protected path, 401 (sign-in URL in
// X-Lo-Signin for page loads) or, with forward_auth.signin_redirect, a 302 to
// sign-in for page loads and 401 JSON for scripts.
func (g *Gateway) forwardAuth(st *state) gin.HandlerFunc {
	return func(c *gin.Context) {
		ri := info(c)
		ri.route = "forward_auth"
		r := c.Request
		s, f := forwardAuthCaller(st, r, ri.site)
		if s != nil {
			ri.site = s
		}
		if f != nil {
			g.fail(c, s, f)
			return
		}
		target, method, problem := originalRequest(r)
		if problem != "" {
			g.fail(c, s, &failure{
				Status: http.StatusBadRequest, Code: codeForwardAuthNoURI, Heading: "Bad request",
				Message: "The proxy did not say which page was asked for.",
				Hint:    problem,
			})
			return
		}
		g.judgeForwardAuth(c, s, target, method)
	}
}

// forwardAuthCaller checks who asks and for which site: a trusted proxy, for
// one site in forward-auth mode. host is the site the request's Host names.
func forwardAuthCaller(st *state, r *http.Request, host *site) (*site, *failure) {
	if !proxy.PeerTrusted(r.RemoteAddr, st.trusted) {
		if host == nil || !host.cfg.ForwardAuth.Enabled {
			return host, notFound()
		}
		return host, &failure{
			Status: http.StatusForbidden, Code: codeForwardAuthUntrustedPeer, Heading: "Not allowed",
			Message: "Only the site's own proxy may ask this.",
			Hint:    "add the front proxy's address to trusted_proxies (the request came from " + peerOf(r.RemoteAddr) + ")",
		}
	}
	s, ok := forwardAuthSite(st, r)
	switch {
	case !ok:
		return nil, &failure{
			Status: http.StatusBadRequest, Code: codeForwardAuthHostMismatch, Heading: "Bad request",
			Message: "The proxy named two different sites for one request.",
			Hint:    "Host, X-Forwarded-Host and X-Original-URL name different sites: have the proxy send the site's own host in each ($lo_site in docs/forward-auth/nginx.conf)",
		}
	case s == nil:
		return nil, unknownHost()
	case !s.cfg.ForwardAuth.Enabled:
		f := notFound()
		f.Hint = "the front proxy asks " + pathAuth + " but site " + s.name + " is not in forward-auth mode: set forward_auth.enabled: true"
		return s, f
	}
	return s, nil
}

// judgeForwardAuth answers for the original request target: the identity
// headers for a signed-in visitor, 200 for a public path, else sign-in.
func (g *Gateway) judgeForwardAuth(c *gin.Context, s *site, target, method string) {
	access := s.accessOf(target)
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	if sess != nil {
		for _, id := range s.identityFor(sess.Record).Headers {
			h.Set(id.Name, id.Value)
		}
		c.Status(http.StatusOK)
		return
	}
	if access != proxy.Protected {
		c.Status(http.StatusOK)
		return
	}
	login := signinURL(target)
	page := (method == http.MethodGet || method == http.MethodHead) && !wantsJSON(c.Request)
	switch {
	case page && s.cfg.ForwardAuth.SigninRedirect:
		c.Redirect(http.StatusFound, login)
	case page:
		h.Set(SigninHeader, login)
		c.Status(http.StatusUnauthorized)
	default:
		g.fail(c, s, signinRequired(login))
	}
}

// forwardAuthSite picks the site of the original request. Traefik, Envoy and
// ingress-nginx may address the gateway by its own name and name the site in
// X-Forwarded-Host or X-Original-URL (from a trusted proxy). Every header that
// names a host must name the same site, and so must Host when it names one:
// a proxy that passes a visitor's own X-Forwarded-Host along cannot make the
// gateway judge by another site's rules.
func forwardAuthSite(st *state, r *http.Request) (*site, bool) {
	s := st.siteFor(r.Host)
	claimed := s != nil
	for _, h := range []string{firstValue(r.Header["X-Forwarded-Host"]), originalURLHost(r)} {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		hs := st.siteFor(h)
		if claimed && hs != s {
			return nil, false
		}
		s, claimed = hs, true
	}
	return s, true
}

// originalURLHost is the host of ingress-nginx's X-Original-URL
// ($scheme://$http_host$request_uri), "" without one.
func originalURLHost(r *http.Request) string {
	_, rest, ok := strings.Cut(firstValue(r.Header["X-Original-Url"]), "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// originalRequest returns the raw request target and method of the request the
// proxy asks about. Envoy's ext_authz puts the original path after the auth
// path and keeps the method; nginx sends X-Original-URI, Caddy and Traefik
// X-Forwarded-Uri and X-Forwarded-Method, ingress-nginx X-Original-URL (whose
// target is taken raw, after the host) and X-Original-Method. A proxy sets its
// own header and may pass a visitor's copy of another along, so two different
// values are refused rather than one believed.
func originalRequest(r *http.Request) (target, method, problem string) {
	if rest, ok := strings.CutPrefix(r.RequestURI, pathAuth); ok && rest != "" && rest[0] == '/' {
		return rest, r.Method, ""
	}
	var targets []string
	targets = append(targets, r.Header["X-Original-Uri"]...)
	targets = append(targets, r.Header["X-Forwarded-Uri"]...)
	for _, u := range r.Header["X-Original-Url"] {
		t := ""
		if _, rest, ok := strings.Cut(u, "://"); ok {
			if i := strings.IndexAny(rest, "/?"); i >= 0 {
				t = rest[i:]
				if t[0] == '?' {
					t = "/" + t
				}
			}
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return "", "", "the request has no X-Original-URI, X-Forwarded-Uri or X-Original-URL header: have the proxy send the original request URI (proxy_set_header X-Original-URI $request_uri in nginx)"
	}
	for _, t := range targets[1:] {
		if t != targets[0] {
			return "", "", "the request has more than one original URI and they disagree (X-Original-URI, X-Forwarded-Uri, X-Original-URL): have the proxy set its header and drop the visitor's copy of the others"
		}
	}
	if target = targets[0]; target == "" {
		return "", "", "the original URI header is empty or not a URL"
	}
	methods := append(append([]string(nil), r.Header["X-Forwarded-Method"]...), r.Header["X-Original-Method"]...)
	method = r.Method
	if len(methods) > 0 {
		method = methods[0]
	}
	for _, m := range methods {
		if !strings.EqualFold(m, method) {
			// Only the sign-in answer depends on the method; the safe
			// reading is the one that never redirects.
			method = http.MethodPost
		}
	}
	return target, strings.ToUpper(method), ""
}

// accessOf judges a raw request target with the function the full proxy's
// MatchRequest uses, so both modes read every path alike.
func (s *site) accessOf(target string) proxy.Access { return s.rules.MatchTarget(target) }

func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// peerOf is the address part of a RemoteAddr, for a log hint.
func peerOf(remoteAddr string) string {
	if i := strings.LastIndexByte(remoteAddr, ':'); i > 0 {
		return strings.Trim(remoteAddr[:i], "[]")
	}
	return remoteAddr
}
