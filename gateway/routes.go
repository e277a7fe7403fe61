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
	lo := e.Group("", limitBody, func(c *gin.Context) { bodyDeadline(c, bodyTimeout, false) })
	lo.GET(pathHealthz, g.healthz)
	lo.HEAD(pathHealthz, g.healthz)
	lo.GET(pathReadyz, g.readyz)
	staticFiles := http.StripPrefix(strings.TrimSuffix(pathStatic, "/"), static.Handler())
	serveStatic := func(c *gin.Context) { staticFiles.ServeHTTP(c.Writer, c.Request) }
	lo.GET(pathStatic+"*file", serveStatic)
	lo.HEAD(pathStatic+"*file", serveStatic)

	// The auth endpoint picks its site itself: Traefik and Envoy may address
	// the gateway by its own name and send the site's in X-Forwarded-Host.
	fa := g.forwardAuth(st)
	lo.Any(pathAuth, fa)
	lo.Any(pathAuth+"/*target", fa)

	s := lo.Group("", g.needSite)
	s.GET(pathLogin, g.login)
	s.GET(pathLogout, g.logoutConfirm)
	s.POST(pathLogout, g.logout)
	s.GET(pathSignedOut, g.signedOut)
	s.GET(pathFrontdoor, g.frontdoor)
	s.POST(pathFrontdoor, g.frontdoor)
	s.OPTIONS(pathFrontdoor, g.frontdoor)
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		s.Handle(m, pathFrontdoor, g.frontdoorMethodNotAllowed)
	}
	s.GET(pathSession, g.sessionInfo)
	s.OPTIONS(pathSession, g.sessionInfo)
	s.GET(pathBoot, g.bootInfo)
	s.OPTIONS(pathBoot, g.bootInfo)
	s.POST(pathHandoff, g.redeemHandoff)
	s.OPTIONS(pathHandoff, g.redeemHandoff)

	e.NoRoute(g.dispatch)
	return e
}
