package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/static"
)

// dispatch handles every path gin has no route for: the per-site callback and
// embed paths, API relays, and the upstream.
func (g *Gateway) dispatch(c *gin.Context) {
	ri := info(c)
	s := ri.site
	if s == nil {
		ri.route = "unknown_host"
		g.fail(c, nil, unknownHost())
		return
	}
	p := c.Request.URL.Path
	bodyTimeout := g.state.Load().cfg.Server.BodyTimeout.D()
	// A proxied or relayed body may be a long upload: only its pauses are bounded.
	streaming := s.relayFor(p) != nil || s.proxy != nil && p != s.callback && p != s.embedPath && !strings.HasPrefix(p, loPrefix)
	bodyDeadline(c, bodyTimeout, streaming)
	switch {
	case p == s.callback:
		ri.route = "callback"
		g.callback(c, s)
		return
	case s.embedPath != "" && p == s.embedPath:
		ri.route = "embed"
		g.embed(c, s)
		return
	case strings.HasPrefix(p, loPrefix) && s.relayFor(p) == nil: // relays may live under /__lo/ (/__lo/api/)
		ri.route = "lo_not_found"
		g.fail(c, s, notFound())
		return
	}
	if rl := s.relayFor(p); rl != nil {
		ri.route = "relay"
		rl.serve(g, c, s)
		return
	}
	if s.proxy == nil {
		if p == "/" && g.deps.DevOrgURL != "" {
			ri.route = "dev_index"
			g.devIndex(c, s)
			return
		}
		if p == "/favicon.ico" {
			// No site behind the gateway to own the icon: browsers ask for it anyway.
			ri.route = "favicon"
			c.Request.URL.Path = pathStatic + "favicon.svg"
			static.Handler().ServeHTTP(c.Writer, c.Request)
			return
		}
		ri.route = "not_found"
		g.fail(c, s, notFound())
		return
	}
	ri.route = "proxy"
	g.proxyRequest(c, s)
}

// proxyRequest sends a request upstream, by the site's access rules.
func (g *Gateway) proxyRequest(c *gin.Context, s *site) {
	r := c.Request
	access := s.rules.MatchRequest(r)
	sess, err := s.loadSession(r.Context(), r)
	if err != nil && !isNoSession(err) {
		g.storeFailure(c, s, err)
		return
	}
	if sess != nil && s.crossSiteWrite(r) {
		if s.crossSite == crossSiteRefuse {
			g.refuseCrossSite(c, s)
			return
		}
		g.deps.Logger.Debug("cross-site write proxied without the session", "rid", info(c).rid, "site", s.name)
		sess = nil
	}
	if sess == nil {
		if access == protectedAccess {
			g.needSignin(c, s)
			return
		}
		dropHSTS(c.Writer.Header()) // the upstream's answer, the upstream's policy
		s.proxy.Serve(c.Writer, r, nil)
		return
	}
	dropHSTS(c.Writer.Header())
	var headers [maxIdentityHeaders]proxy.Header
	s.proxy.Serve(c.Writer, r, &proxy.Identity{Headers: s.appendIdentity(headers[:0], sess.Record)})
}

// dropHSTS removes the HSTS header observe set, if it did. hstsHeader is
// canonical, so the key is deleted as it is (Header.Del canonicalizes first:
// measurable on every proxied request).
func dropHSTS(h http.Header) { delete(h, hstsHeader) }

// needSignin: pages are sent to sign in; scripts (and form posts, which
// cannot be replayed after a sign-in) get a 401 they can act on.
func (g *Gateway) needSignin(c *gin.Context, s *site) {
	r := c.Request
	rd := r.URL.Path
	if r.URL.RawQuery != "" {
		rd += "?" + r.URL.RawQuery
	}
	login := signinURL(rd)
	c.Header("Cache-Control", "no-store")
	if wantsJSON(r) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		g.fail(c, s, signinRequired(login))
		return
	}
	c.Redirect(http.StatusFound, login)
}

// upstreamError answers a failed upstream call: 502 (refused, reset) or 504
// (timeout), with the request id; the gateway stays healthy.
func (g *Gateway) upstreamError(s *site) func(w http.ResponseWriter, r *http.Request, status int, err error) {
	return func(w http.ResponseWriter, r *http.Request, status int, err error) {
		g.writeFailure(w, r, s, r.Header.Get(obs.RequestIDHeader), upstreamUnavailable(status, r.URL.Path, err))
	}
}

// upstreamUnavailable: the site behind the gateway did not answer.
func upstreamUnavailable(status int, retry string, err error) *failure {
	heading := "The site is not answering"
	if status == http.StatusGatewayTimeout {
		heading = "The site took too long to answer"
	}
	return &failure{Status: status, Code: codeUpstreamUnavailable, Heading: heading,
		Message: "The gateway is fine, but the site behind it did not answer. Try again in a moment.", Retry: retry, Err: err}
}

const protectedAccess = proxy.Protected
