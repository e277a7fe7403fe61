package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/static"
)

// routes maps the whole route surface. Gateway routes live under /__lo/ so they
// never collide with the site; the callback and embed paths come from each site's
// config and are matched in dispatch, which also sends everything else upstream.
//
//	GET        /__lo/healthz     liveness (no site needed)
//	GET        /__lo/readyz      readiness: session store reachable
//	GET        /__lo/static/*    bootstrap.js, launcher.js, styles
//	GET        /__lo/login       start sign-in (rd, popup, origin, prompt, login_hint)
//	GET        /__lo/logout      confirm page
//	POST       /__lo/logout      sign out (same-origin + CSRF token or header), then the org's end-session endpoint
//	GET        /__lo/signedout   what sign-out ended; sign in again
//	GET, POST  /__lo/frontdoor   {"frontdoorUrl","instanceUrl","orgId"}; OPTIONS for trusted CORS
//	GET        /__lo/session     who is signed in; OPTIONS for trusted CORS
//	GET        /__lo/boot        the bootstrap config for launcher.js; OPTIONS for trusted CORS
//	POST       /__lo/handoff     the popup sign-in's opener trades its code for a session cookie; OPTIONS for trusted CORS
//	any        /__lo/auth[/*]    forward-auth mode: the front proxy's subrequest (trusted_proxies only)
//	GET        <callback path>   OAuth callback (per site, default /callback.html)
//	GET        <embed path>      the page that bootstraps the ACC (per site, default /__lo/embed)
//	any        <api relay>       configured prefixes relayed to the org with a server-side token
//	any        everything else   the site's upstream, by the site's access rules
//	GET        /favicon.ico      the gateway's icon, for a site without an upstream
func (g *Gateway) routes(st *state) *gin.Engine {
	// Release mode: no route table or debug warnings printed. gin keeps its mode
	// in a package variable (stored atomically), so it is set where the engine is built.
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = false
	e.ContextWithFallback = true
	// Forwarded headers are judged by the proxy against trusted_proxies; gin's own
	// client-IP logic must not believe them.
	_ = e.SetTrustedProxies(nil)
	e.Use(g.observe(st), g.recoverer)

	e.MaxMultipartMemory = maxMultipartMemory
	bodyTimeout := st.cfg.Server.BodyTimeout.D()
	lo := e.Group("/__lo", limitBody, func(c *gin.Context) { bodyDeadline(c, bodyTimeout, false) })
	lo.GET("/healthz", g.healthz)
	lo.HEAD("/healthz", g.healthz)
	lo.GET("/readyz", g.readyz)
	staticFiles := http.StripPrefix("/__lo/static", static.Handler())
	lo.GET("/static/*file", func(c *gin.Context) { staticFiles.ServeHTTP(c.Writer, c.Request) })
	lo.HEAD("/static/*file", func(c *gin.Context) { staticFiles.ServeHTTP(c.Writer, c.Request) })

	// The auth endpoint picks its site itself: Traefik and Envoy may address
	// the gateway by its own name and send the site's in X-Forwarded-Host.
	fa := g.forwardAuth(st)
	lo.Any("/auth", fa)
	lo.Any("/auth/*target", fa)

	s := lo.Group("", g.needSite)
	s.GET("/login", g.login)
	s.GET("/logout", g.logoutConfirm)
	s.POST("/logout", g.logout)
	s.GET("/signedout", g.signedOut)
	s.GET("/frontdoor", g.frontdoor)
	s.POST("/frontdoor", g.frontdoor)
	s.OPTIONS("/frontdoor", g.frontdoor)
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		s.Handle(m, "/frontdoor", frontdoorMethodNotAllowed)
	}
	s.GET("/session", g.sessionInfo)
	s.OPTIONS("/session", g.sessionInfo)
	s.GET("/boot", g.bootInfo)
	s.OPTIONS("/boot", g.bootInfo)
	s.POST("/handoff", g.redeemHandoff)
	s.OPTIONS("/handoff", g.redeemHandoff)

	e.NoRoute(g.dispatch)
	return e
}

// dispatch handles every path gin has no route for: the per-site callback and
// embed paths, API relays, and the upstream.
func (g *Gateway) dispatch(c *gin.Context) {
	ri := info(c)
	s := ri.site
	if s == nil {
		ri.route = "unknown_host"
		g.fail(c, nil, http.StatusMisdirectedRequest, failure{
			Reason: "unknown_host", Heading: "Unknown site",
			Message: "This gateway does not serve the site you asked for.",
		})
		return
	}
	p := c.Request.URL.Path
	bodyTimeout := g.state.Load().cfg.Server.BodyTimeout.D()
	// A proxied or relayed body may be a long upload: only its pauses are bounded.
	streaming := s.relayFor(p) != nil || s.proxy != nil && p != s.callback && p != s.embedPath && !strings.HasPrefix(p, "/__lo/")
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
	case strings.HasPrefix(p, "/__lo/") && s.relayFor(p) == nil: // relays may live under /__lo/ (/__lo/api/)
		ri.route = "lo_not_found"
		g.fail(c, s, http.StatusNotFound, failure{Reason: "not_found", Heading: "Not found", Message: "There is nothing at this address."})
		return
	}
	for _, rl := range s.relays {
		if strings.HasPrefix(p, rl.prefix) {
			ri.route = "relay"
			rl.serve(g, c, s)
			return
		}
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
			c.Request.URL.Path = static.Prefix + "favicon.svg"
			static.Handler().ServeHTTP(c.Writer, c.Request)
			return
		}
		ri.route = "not_found"
		g.fail(c, s, http.StatusNotFound, failure{Reason: "not_found", Heading: "Not found", Message: "There is nothing at this address."})
		return
	}
	ri.route = "proxy"
	g.proxyRequest(c, s)
}
