package lo

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// cspSource keeps a Trusted Domains entry only when it is a plain CSP
// host-source, so a bad entry cannot inject directives into the header.
var cspSource = regexp.MustCompile(`^(?:https?://)?(?:\*\.)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?$`)

// frameAncestors is the CSP a real org sends on pages that may be framed
// (docs/salesforce.md §3.6, step 4): 'self' plus the Lightning Out trusted domains.
func frameAncestors(domains []string) string {
	var b strings.Builder
	b.WriteString("frame-ancestors 'self'")
	for _, d := range domains {
		d = strings.TrimSuffix(strings.TrimSpace(d), "/")
		if cspSource.MatchString(d) {
			b.WriteByte(' ')
			b.WriteString(d)
		}
	}
	return b.String()
}

// hostOrigin returns the normalised origin of a loAppOrigin value, or false
// when it is not a bare http(s) origin (no path, query or user info).
func hostOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// originTrusted reports whether a host-page origin matches one Trusted Domains
// entry, with the CSP host-source rules the browser applies to frame-ancestors:
// an entry with a scheme matches that scheme only, one without matches http and
// https; a missing port means the scheme's default port; *.example.com matches
// subdomains only.
func originTrusted(origin string, domains []string) bool {
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	oHost, oPort := splitHostPort(o.Host, o.Scheme)
	for _, d := range domains {
		d = strings.TrimSuffix(strings.TrimSpace(d), "/")
		if !cspSource.MatchString(d) {
			continue
		}
		scheme := ""
		if i := strings.Index(d, "://"); i >= 0 {
			scheme, d = d[:i], d[i+3:]
			if !strings.EqualFold(scheme, o.Scheme) {
				continue
			}
		}
		dHost, dPort := splitHostPort(d, o.Scheme)
		if dPort != oPort {
			continue
		}
		dHost = strings.ToLower(dHost)
		if rest, ok := strings.CutPrefix(dHost, "*."); ok {
			if strings.HasSuffix(oHost, "."+rest) {
				return true
			}
			continue
		}
		if dHost == oHost {
			return true
		}
	}
	return false
}

func splitHostPort(hostport, scheme string) (string, string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(scheme)]
	}
	return strings.ToLower(host), port
}

func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
