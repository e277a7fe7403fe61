package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
)

// frontdoor mints a single-use frontdoor URL through the org's UI Bridge API.
// GET answers exactly like the /__lo/frontdoor helper of Salesforce's React ACC
// template (docs/salesforce.md §2.3); that template calls it only on localhost, so
// elsewhere an app passes the URL itself (README, docs/react-acc). POST is ours.
// The URL is never logged, cached or put in a URL we serve.
func (g *Gateway) frontdoor(c *gin.Context) {
	s := info(c).site
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if stop := g.cors(c, s); stop {
		return
	}
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	if sess == nil {
		writeJSON(c, http.StatusUnauthorized, map[string]any{
			"error": "NO_ORG_FOUND", "message": "Not signed in: sign in first.", "loginUrl": "/__lo/login", "status": 401,
		})
		return
	}
	if wait, ok := s.limiter.allow(sess.ID); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeJSON(c, http.StatusTooManyRequests, map[string]any{
			"error": "RATE_LIMITED", "message": "Too many frontdoor URLs for this session; wait and retry.", "status": 429,
		})
		return
	}
	ctx := c.Request.Context()
	appID := ""
	if s.cfg.ECA.UIBridge == "lightning_out" {
		appID = s.cfg.LightningOut.AppID
	}
	tok, err := s.tokens.Valid(ctx, sess, false, "")
	var fd string
	if err == nil {
		// A site member's UI session is opened on the Experience Cloud site.
		fd, err = s.org.Frontdoor(ctx, firstNonEmpty(s.siteURL, tok.InstanceURL), tok.AccessToken, appID, "")
		if err != nil && salesforce.IsBadToken(err) {
			// The org ended the token early: renew once, try once more.
			if tok, err = s.tokens.Valid(ctx, sess, true, tok.AccessToken); err == nil {
				fd, err = s.org.Frontdoor(ctx, firstNonEmpty(s.siteURL, tok.InstanceURL), tok.AccessToken, appID, "")
			}
		}
	}
	if err != nil {
		g.frontdoorFailure(c, s, sess, err)
		return
	}
	g.deps.Metrics.FrontdoorMint("ok")
	writeJSON(c, http.StatusOK, map[string]any{
		"frontdoorUrl": fd,
		"instanceUrl":  tok.InstanceURL,
		"orgId":        sess.Record.Identity.OrgID,
	})
}

func (g *Gateway) frontdoorFailure(c *gin.Context, s *site, sess *session.Session, err error) {
	g.deps.Metrics.FrontdoorMint("failed")
	rid := info(c).rid
	switch {
	case errors.Is(err, auth.ErrSessionEnded):
		s.sessions.ClearCookie(c.Writer)
		g.deps.Logger.Info("org ended the session; visitor must sign in again", "rid", rid, "site", s.name, "err", err.Error())
		writeJSON(c, http.StatusUnauthorized, map[string]any{
			"error": "AUTHENTICATION_FAILED", "message": "Your Salesforce session ended: sign in again.", "loginUrl": "/__lo/login", "status": 401,
		})
	case errors.Is(err, session.ErrUnavailable):
		g.storeFailure(c, s, err)
	default:
		if se, ok := salesforce.AsError(err); ok && !salesforce.IsTransient(err) {
			reason := "org_refused"
			msg := "Salesforce refused to create a frontdoor URL."
			if se.Code == "Invalid_Scope" {
				reason = "missing_web_scope"
				msg = "The access token lacks the web (or full) scope, so Salesforce will not open a UI session. An administrator must add the web scope to the External Client App and eca.scopes."
			}
			g.deps.Logger.Error("frontdoor refused by the org", "rid", rid, "site", s.name, "code", se.Code, "status", se.Status, "fix", se.Hint())
			writeJSON(c, http.StatusBadGateway, map[string]any{
				"error": "FRONTDOOR_FAILED", "reason": reason, "message": msg, "requestId": rid, "status": 502,
			})
			return
		}
		g.deps.Logger.Error("frontdoor failed: org unavailable", "rid", rid, "site", s.name, "err", err.Error())
		c.Header("Retry-After", "5")
		writeJSON(c, http.StatusServiceUnavailable, map[string]any{
			"error": "GATEWAY_ERROR", "reason": "org_unavailable", "message": "Salesforce is not answering; try again shortly.", "requestId": rid, "status": 503,
		})
	}
}

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

// limiter is a per-session fixed-window rate limit for frontdoor minting, kept
// per replica (a burst spread over replicas is bounded by replicas × limit).
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	seen   map[string]*window
	sweep  time.Time
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(limit int, per time.Duration) *limiter {
	return &limiter{limit: limit, window: per, seen: map[string]*window{}}
}

// allow counts one call for key; when over the limit it says how long to wait.
func (l *limiter) allow(key string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.window {
		for k, w := range l.seen {
			if now.Sub(w.start) > l.window {
				delete(l.seen, k)
			}
		}
		l.sweep = now
	}
	w := l.seen[key]
	if w == nil || now.Sub(w.start) > l.window {
		l.seen[key] = &window{start: now, n: 1}
		return 0, true
	}
	if w.n >= l.limit {
		return w.start.Add(l.window).Sub(now), false
	}
	w.n++
	return 0, true
}

// frontdoorMethodNotAllowed answers like Salesforce's template helper does.
func frontdoorMethodNotAllowed(c *gin.Context) {
	c.Header("Allow", "GET, POST, OPTIONS")
	writeJSON(c, http.StatusMethodNotAllowed, map[string]any{"error": "METHOD_NOT_ALLOWED", "message": "Use GET", "status": 405})
}
