package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/session"
)

const onlyTrusted = "This endpoint answers this site and its trusted domains only."

// corsSession is how the JSON endpoints a page's script calls begin: the CORS
// answer, then the visitor's session. ok=false: the request is answered.
func (g *Gateway) corsSession(c *gin.Context, s *site) (*session.Session, bool) {
	if stop := g.cors(c, s); stop {
		return nil, false
	}
	return g.loadSession(c, s)
}

// cors answers trusted cross-origin callers and preflights; it returns true when
// the request is fully answered (a preflight, or a refused cross-site caller).
func (g *Gateway) cors(c *gin.Context, s *site) bool {
	allowed, preflight := s.policy.CORS(c.Writer, c.Request)
	origin := c.GetHeader("Origin")
	if preflight {
		if allowed {
			c.Status(http.StatusNoContent)
		} else {
			c.Status(http.StatusForbidden)
		}
		return true
	}
	if origin != "" && !allowed && !s.policy.IsTrusted(origin) {
		g.fail(c, s, originNotTrusted(onlyTrusted, "add the calling page's origin to trusted_domains"))
		return true
	}
	if origin == "" {
		if sfs := c.GetHeader("Sec-Fetch-Site"); sfs == "cross-site" || sfs == "same-site" {
			g.fail(c, s, originNotTrusted(onlyTrusted, ""))
			return true
		}
	}
	return false
}
