package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/templates"
)

// render writes one of the gateway's pages (templates/) with status.
func (g *Gateway) render(c *gin.Context, status int, name string, data any) {
	g.renderTo(c.Writer, info(c).rid, status, name, data)
}

func (g *Gateway) renderTo(w http.ResponseWriter, rid string, status int, name string, data any) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := g.deps.Templates.Render(w, status, name, data); err != nil {
		g.deps.Logger.Error("template failed", "rid", rid, "template", name, "err", err.Error())
	}
}

// page is what every page shows besides its own content: the request id,
// the site, dev mode's banner.
func (g *Gateway) page(c *gin.Context, s *site, nonce, title string) templates.Page {
	return g.pageFor(info(c).rid, s, nonce, title)
}

func (g *Gateway) pageFor(rid string, s *site, nonce, title string) templates.Page {
	p := templates.Page{Nonce: nonce, RequestID: rid, Title: title, DevMode: g.deps.DevOrgURL != "", DevOrgURL: g.deps.DevOrgURL}
	if s != nil {
		p.SiteName = s.name
	}
	return p
}

// writeJSON answers with v as JSON, never cached.
func writeJSON(c *gin.Context, status int, v any) { writeJSONTo(c.Writer, status, v) }

func writeJSONTo(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"`+codeInternal+`"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
