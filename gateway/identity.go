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
	values := [6]string{
		firstNonEmpty(rec.Identity.PreferredUsername, rec.Identity.Username, rec.Identity.UserID),
		rec.Identity.Email, rec.Identity.PreferredUsername, rec.Identity.OrgID, rec.Identity.UserID, rec.Identity.Name,
	}
	names := [6]string{s.identity.user, s.identity.email, s.identity.preferred, s.identity.orgID, s.identity.userID, s.identity.name}
	id := &proxy.Identity{Headers: make([]proxy.Header, 0, len(names))}
	for i, name := range names {
		if name != "" && name != "-" && values[i] != "" {
			id.Headers = append(id.Headers, proxy.Header{Name: name, Value: values[i]})
		}
	}
	return id
}
