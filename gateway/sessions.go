package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/session"
)

// tokenFailure answers the failures of a session's org token that are not
// the org's: the org ended the grant (the cookie is cleared; a script signs in
// again) or the store failed. false: err is neither, the caller answers.
func (g *Gateway) tokenFailure(c *gin.Context, s *site, err error) bool {
	switch {
	case errors.Is(err, auth.ErrSessionEnded):
		s.sessions.ClearCookie(c.Writer)
		g.fail(c, s, sessionEnded(err))
	case errors.Is(err, session.ErrUnavailable):
		g.storeFailure(c, s, err)
	default:
		return false
	}
	return true
}

// loadSession returns the visitor's session, nil when signed out, or answers 503
// itself (and returns ok=false) when the store fails.
func (g *Gateway) loadSession(c *gin.Context, s *site) (*session.Session, bool) {
	sess, err := s.loadSession(c.Request.Context(), c.Request)
	switch {
	case err == nil:
		return sess, true
	case errors.Is(err, session.ErrNoSession):
		return nil, true
	default:
		g.storeFailure(c, s, err)
		return nil, false
	}
}

func isNoSession(err error) bool { return errors.Is(err, session.ErrNoSession) }

// loadSession loads the request's session for this site only. Every site
// shares the session keys and the store, so without this check a cookie signed
// in at one site would sign its bearer in at every other site of the gateway.
func (s *site) loadSession(ctx context.Context, r *http.Request) (*session.Session, error) {
	sess, err := s.sessions.Load(ctx, r)
	if err == nil && sess.Record.Site != s.name {
		return nil, fmt.Errorf("%w: the session belongs to site %q, not %q", session.ErrNoSession, sess.Record.Site, s.name)
	}
	return sess, err
}
