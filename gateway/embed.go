package gateway

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/templates"
)

// embed serves the page that bootstraps the ACC through Lightning Out 2.0. It
// works signed out too: the page then offers (or starts) sign-in.
func (g *Gateway) embed(c *gin.Context, s *site) {
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	self := c.Request.URL.Path
	loginURL := signinURL(self)
	// A framed embed page never navigates itself to the org (which refuses to
	// be framed): it offers the popup sign-in instead.
	if sess == nil && s.cfg.Signin.AutoStart && c.Query("signedout") == "" && !framed(c.Request) {
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, loginURL)
		return
	}
	h := c.Writer.Header()
	nonce := pageHeaders(h, s.embedCSP())
	h.Set("Referrer-Policy", "no-referrer")
	data := templates.EmbedData{
		Page:      g.page(c, s, nonce, firstNonEmpty(s.cfg.Embed.Title, "Chat")),
		SignedIn:  sess != nil,
		LoginURL:  loginURL,
		LogoutURL: pathLogout + "?rd=" + url.QueryEscape(self),
		Boot:      s.embedBoot(sess != nil, loginURL),
		ScriptURL: s.scriptURL,
	}
	if sess != nil {
		data.DisplayName = displayName(sess.Record)
		data.CSRFToken = sess.Record.CSRF
	}
	g.render(c, http.StatusOK, "embed", data)
}
