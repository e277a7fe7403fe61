package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// bootInfo is the bootstrap config for launcher.js on any page of the site or of
// a trusted domain.
func (g *Gateway) bootInfo(c *gin.Context) {
	s := info(c).site
	if stop := g.cors(c, s); stop {
		return
	}
	c.Header("Cache-Control", "no-store")
	h := c.Writer.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Writer.WriteHeader(http.StatusOK)
	_, _ = c.Writer.Write(s.bootJSON)
}
