package gateway

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/session"
)

// sessionExpiry is when the session ends if the visitor does nothing: the idle
// deadline, capped by the absolute one.
func (g *Gateway) sessionExpiry(rec *session.Record) time.Time {
	cfg := g.Config().Session
	idle := rec.LastSeen.Add(cfg.IdleTimeout.D())
	abs := rec.CreatedAt.Add(cfg.AbsoluteTimeout.D())
	if abs.Before(idle) {
		return abs
	}
	return idle
}

func displayName(r *session.Record) string {
	return firstNonEmpty(r.Identity.Name, r.Identity.PreferredUsername, r.Identity.Email, r.Identity.Username, r.Identity.UserID)
}

// sessionInfo tells the page who is signed in. No tokens, ever.
func (g *Gateway) sessionInfo(c *gin.Context) {
	s := info(c).site
	sess, ok := g.corsSession(c, s)
	if !ok {
		return
	}
	if sess == nil {
		writeJSON(c, http.StatusOK, map[string]any{"signedIn": false, "loginUrl": pathLogin})
		return
	}
	rec := sess.Record
	body := map[string]any{
		"signedIn":    true,
		"displayName": displayName(rec),
		"username":    rec.Identity.PreferredUsername,
		"orgId":       rec.Identity.OrgID,
		"userId":      rec.Identity.UserID,
		"flow":        rec.Tokens.Flow,
		"expiresAt":   g.sessionExpiry(rec).UTC().Format(time.RFC3339),
	}
	writeJSON(c, http.StatusOK, body)
}
