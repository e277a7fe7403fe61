package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/templates"
)

// devIndex is the landing page in dev mode when the site has no upstream.
func (g *Gateway) devIndex(c *gin.Context, s *site) {
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	nonce := pageHeaders(c.Writer.Header(), pageCSP(s))
	data := templates.DevIndexData{
		Page:      g.page(c, s, nonce, "logateway dev mode"),
		EmbedPath: s.embedPath,
		LoginURL:  signinURL(firstNonEmpty(s.embedPath, "/")),
		OrgURL:    g.deps.DevOrgURL,
	}
	for _, u := range g.deps.DevUsers {
		data.Users = append(data.Users, struct{ Username, Password string }{u[0], u[1]})
	}
	if sess != nil {
		data.SignedIn = true
		data.DisplayName = displayName(sess.Record)
	}
	g.render(c, http.StatusOK, "devindex", data)
}
