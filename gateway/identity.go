package gateway

import (
	"strings"

	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/session"
)

// sent is the header names the site sends identities in (identity_headers;
// "" or "-" turns one off).
func (h identityHeaders) sent() []string {
	var out []string
	for _, name := range []string{h.user, h.email, h.preferred, h.orgID, h.userID, h.name} {
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// identityFor builds the identity headers the upstream receives for a signed-in
// visitor. Incoming copies of these headers are stripped by the proxy for every
// request, signed in or not.
func (s *site) identityFor(rec *session.Record) *proxy.Identity {
	return &proxy.Identity{Headers: s.appendIdentity(make([]proxy.Header, 0, maxIdentityHeaders), rec)}
}

// maxIdentityHeaders is how many identity headers a site may send.
const maxIdentityHeaders = 6

// appendIdentity appends the identity headers of rec to dst. The proxied
// request passes a stack array as dst: Proxy.Serve copies the headers, so
// nothing of them is allocated per request.
func (s *site) appendIdentity(dst []proxy.Header, rec *session.Record) []proxy.Header {
	values := [maxIdentityHeaders]string{
		firstNonEmpty(rec.Identity.PreferredUsername, rec.Identity.Username, rec.Identity.UserID),
		rec.Identity.Email, rec.Identity.PreferredUsername, rec.Identity.OrgID, rec.Identity.UserID, rec.Identity.Name,
	}
	names := [maxIdentityHeaders]string{s.identity.user, s.identity.email, s.identity.preferred, s.identity.orgID, s.identity.userID, s.identity.name}
	for i, name := range names {
		if name == "" || name == "-" {
			continue
		}
		if v := headerSafe(values[i]); v != "" {
			dst = append(dst, proxy.Header{Name: name, Value: v})
		}
	}
	return dst
}

// headerSafe makes an org-supplied value fit for a header. The values come from
// the org, and a user may set their own name there: a CR or LF must not start
// a header of its own, and any control character makes Go's transport refuse
// the whole request (the visitor would only ever see 502). Each run of control
// characters becomes one space; the common case returns v unchanged.
func headerSafe(v string) string {
	clean := true
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteByte(c)
		space = false
	}
	return strings.TrimSpace(b.String())
}
