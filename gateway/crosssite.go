package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// With cookie.same_site none the browser sends the session cookie on every
// request to the site, also on a form another site posts and on a WebSocket
// it opens (WebSockets have no CORS). A SameSite=Lax cookie would have been
// withheld from those, so the gateway withholds the session itself: such a
// request is proxied as anonymous, or refused (cookie.cross_site: refuse).
// Reads (GET, HEAD) are not guarded: their answers are the browser's to keep
// from the other site, and the embed's own cross-site reads need the session.

// crossSiteGuard is what a site does with a guarded request.
type crossSiteGuard int

const (
	crossSiteOff       crossSiteGuard = iota // same_site lax: the browser withholds the cookie
	crossSiteAnonymous                       // proxied without the session
	crossSiteRefuse                          // 403
)

// crossSiteWrite reports whether r is a state-changing request or a WebSocket
// handshake that another site made: its Origin is neither the site nor a
// trusted domain (or, without Origin, fetch metadata says cross-site).
func (s *site) crossSiteWrite(r *http.Request) bool {
	if s.crossSite == crossSiteOff || !unsafeMethod(r.Method) && !isWebSocket(r) {
		return false
	}
	origins := r.Header.Values("Origin")
	switch {
	case len(origins) == 0:
		// Browsers send Origin with both; a client that does not is no browser
		// acting for another site, unless its fetch metadata says so.
		sfs := r.Header.Get("Sec-Fetch-Site")
		return sfs == "cross-site" || sfs == "same-site"
	case len(origins) > 1:
		return true
	case origins[0] == "null":
		// Our own pages post with Origin null (Referrer-Policy no-referrer);
		// Sec-Fetch-Site tells them from a sandboxed frame of another site.
		return !nullOriginSameSite(r)
	}
	return !s.policy.SameOrigin(r) && !s.policy.IsTrusted(origins[0])
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

func isWebSocket(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return false
}

// refuseCrossSite answers a guarded request on a site set to refuse them.
func (g *Gateway) refuseCrossSite(c *gin.Context, s *site) {
	g.fail(c, s, &failure{Status: http.StatusForbidden, Code: codeCrossSite, Heading: "Request refused",
		Message: "This site does not accept this request from another site.",
		Hint:    "a page on another site sent a form or opened a WebSocket; add its origin to trusted_domains if it should act for signed-in visitors"})
}
