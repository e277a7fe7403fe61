package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/session"
)

const protectedAccess = proxy.Protected

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

// identityFor builds the identity headers the upstream receives for a signed-in
// visitor. Incoming copies of these headers are stripped by the proxy for every
// request, signed in or not.
func (s *site) identityFor(rec *session.Record) *proxy.Identity {
	id := &proxy.Identity{Headers: make([]proxy.Header, 0, 6)}
	add := func(name, value string) {
		if name != "" && name != "-" && value != "" {
			id.Headers = append(id.Headers, proxy.Header{Name: name, Value: value})
		}
	}
	add(s.identity.user, firstNonEmpty(rec.Identity.PreferredUsername, rec.Identity.Username, rec.Identity.UserID))
	add(s.identity.email, rec.Identity.Email)
	add(s.identity.preferred, rec.Identity.PreferredUsername)
	add(s.identity.orgID, rec.Identity.OrgID)
	add(s.identity.userID, rec.Identity.UserID)
	add(s.identity.name, rec.Identity.Name)
	return id
}
