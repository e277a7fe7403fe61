package trust

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Origin is a normalized web origin: lower-case scheme and host, the host in
// its ASCII (punycode) form, and the port empty when it is the scheme's
// default. Two origins are the same exactly when their String forms are equal.
type Origin struct {
	Scheme string
	Host   string // IPv6 literals are kept without brackets
	Port   string // "" when the scheme's default port
}

// String serializes o the way browsers send it in the Origin header:
// scheme://host[:port], with no trailing slash.
func (o Origin) String() string {
	host := o.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if o.Port == "" {
		return o.Scheme + "://" + host
	}
	return o.Scheme + "://" + host + ":" + o.Port
}

const originForm = "want scheme://host[:port] with scheme http or https, e.g. https://partner.example.org"

// ParseOrigin parses a bare origin, scheme://host[:port]. A single trailing
// "/" is tolerated because admins paste origins copied from an address bar;
// anything else after the authority (a path, query or fragment), userinfo,
// wildcards, whitespace and schemes other than http and https are errors that
// say what is wrong and show the right form.
//
// Unicode host names are converted to punycode (IDNA 2008, UTS #46 lookup
// mapping), so "https://Bücher.example" and "https://xn--bcher-kva.example"
// are the same origin. Hosts that look numeric must be canonical
// dotted-decimal IPv4; IPv6 literals are bracketed.
func ParseOrigin(s string) (Origin, error) {
	o, err := parseOrigin(s, false)
	if err != nil {
		return Origin{}, fmt.Errorf("trust: origin %q: %w; %s", s, err, originForm)
	}
	return o, nil
}

// parseOrigin parses a bare origin. With strict set, Unicode host spellings
// that UTS #46 would fold onto another name are refused; that is used for
// values arriving in requests, which browsers always send already in ASCII.
func parseOrigin(s string, strict bool) (Origin, error) {
	if s == "" {
		return Origin{}, errors.New("it is empty")
	}
	if s == "null" {
		return Origin{}, errors.New(`"null" is the origin of sandboxed and file pages and is never trusted`)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return Origin{}, fmt.Errorf("it contains whitespace or a control character at byte %d", i)
		}
	}
	if strings.Contains(s, "*") {
		return Origin{}, errors.New("wildcards are not supported; list every trusted origin exactly")
	}
	if strings.Contains(s, `\`) {
		return Origin{}, errors.New("it contains a backslash")
	}
	i := strings.Index(s, "://")
	if i <= 0 {
		return Origin{}, errors.New("it has no scheme")
	}
	scheme := strings.ToLower(s[:i])
	if scheme != "http" && scheme != "https" {
		return Origin{}, fmt.Errorf("scheme %q is not http or https", scheme)
	}
	rest := s[i+3:]
	rest = strings.TrimSuffix(rest, "/")
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		switch rest[j] {
		case '/':
			return Origin{}, fmt.Errorf("it has a path (%q); an origin ends after the host and port", rest[j:])
		case '?':
			return Origin{}, errors.New("it has a query")
		default:
			return Origin{}, errors.New("it has a fragment")
		}
	}
	if strings.Contains(rest, "@") {
		return Origin{}, errors.New("it has userinfo (user@); an origin carries no credentials")
	}
	if strings.Contains(rest, "%") {
		return Origin{}, errors.New("it contains percent-encoding; write the host name plainly")
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return Origin{}, err
	}
	host, err = normalizeHost(host, strict)
	if err != nil {
		return Origin{}, err
	}
	port, err = normalizePort(scheme, port)
	if err != nil {
		return Origin{}, err
	}
	return Origin{Scheme: scheme, Host: host, Port: port}, nil
}

// splitHostPort splits an authority that has no userinfo. The host keeps no
// brackets; hasPort reports a ":" even when the port after it is empty, so
// that "https://h:" is rejected rather than read as the default port.
func splitHostPort(a string) (host, port string, err error) {
	if a == "" {
		return "", "", errors.New("it has no host")
	}
	if a[0] == '[' {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", errors.New("its IPv6 literal has no closing ]")
		}
		host, rest := a[1:end], a[end+1:]
		if rest == "" {
			return "[" + host + "]", "", nil
		}
		if rest[0] != ':' {
			return "", "", fmt.Errorf("unexpected %q after the IPv6 literal", rest)
		}
		if rest == ":" {
			return "", "", errors.New("it has an empty port")
		}
		return "[" + host + "]", rest[1:], nil
	}
	if k := strings.LastIndexByte(a, ':'); k >= 0 {
		if k == len(a)-1 {
			return "", "", errors.New("it has an empty port")
		}
		return a[:k], a[k+1:], nil
	}
	return a, "", nil
}

// normalizePort drops the scheme's default port and rejects anything that is
// not a plain decimal number in 1..65535 (no sign, no leading zero).
func normalizePort(scheme, port string) (string, error) {
	if port == "" {
		return "", nil
	}
	if len(port) > 5 || port[0] == '0' {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
		return "", nil
	}
	return port, nil
}

// normalizeHost returns the canonical ASCII form of host, which arrives with
// IPv6 literals still bracketed. With strict set (redirect targets) a Unicode
// host is accepted only if it is already in the form UTS #46 maps it to, so
// fullwidth letters, "。" and other look-alike spellings of a trusted name are
// refused instead of silently folded onto it.
func normalizeHost(host string, strict bool) (string, error) {
	if host == "" {
		return "", errors.New("it has no host")
	}
	if host[0] == '[' {
		addr, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", fmt.Errorf("host %s is not a valid IPv6 literal", host)
		}
		return addr.String(), nil
	}
	if strings.HasSuffix(host, ".") {
		return "", fmt.Errorf("host %q ends in a dot; browsers treat that as a different origin", host)
	}
	ascii := true
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			ascii = false
			break
		}
	}
	h := host
	if ascii {
		h = strings.ToLower(host)
		if err := checkLDH(h); err != nil {
			return "", err
		}
		if strings.Contains(h, "xn--") {
			// Punycode labels must decode to valid IDNA, or a browser may
			// refuse them or read them differently.
			if _, err := idna.Lookup.ToUnicode(h); err != nil {
				return "", fmt.Errorf("host %q has an invalid punycode label: %v", host, err)
			}
		}
	} else {
		a, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", fmt.Errorf("host %q is not a valid internationalized domain name: %v", host, err)
		}
		if strict {
			u, err := idna.Lookup.ToUnicode(a)
			if err != nil || u != host {
				return "", fmt.Errorf("host %q is not in canonical Unicode form", host)
			}
		}
		h = a
		if err := checkLDH(h); err != nil {
			return "", err
		}
	}
	if looksNumeric(h) {
		addr, err := netip.ParseAddr(h)
		if err != nil || !addr.Is4() || addr.String() != h {
			return "", fmt.Errorf("host %q looks like an IP address but is not canonical dotted-decimal IPv4", host)
		}
	}
	return h, nil
}

// checkLDH accepts lower-case letters, digits and hyphens in dot-separated
// labels of 1..63 bytes, 253 bytes in all: the syntax every browser agrees on.
func checkLDH(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("host is %d bytes long; at most 253 are allowed", len(h))
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("host %q has an empty or over-long label", h)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host %q has a label that starts or ends with a hyphen", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("host %q contains %q; only letters, digits, hyphens and dots are allowed", h, c)
			}
		}
	}
	return nil
}

// looksNumeric mirrors the WHATWG URL "ends in a number" rule: if the last
// label is all digits or a 0x hex number, browsers parse the whole host as an
// IPv4 address (including octal, hex and single-integer forms).
func looksNumeric(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}
