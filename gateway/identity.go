package gateway

import (
	"errors"

	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/session"
)

const protectedAccess = proxy.Protected

func isNoSession(err error) bool { return errors.Is(err, session.ErrNoSession) }

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
