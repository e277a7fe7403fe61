package trust

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRedirectLen is the longest redirect target SafeRedirect considers;
// longer values are refused rather than truncated.
const MaxRedirectLen = 2048

// maxDecodeRounds is how many rounds of percent-decoding a path may need
// before it stops changing. Real paths need at most one (a "%25" in a file
// name, decoded by a server, gives a second); a value still changing after
// three rounds is built to confuse a decoder somewhere.
const maxDecodeRounds = 3

// SafeRedirect turns an untrusted redirect target (rd, post-logout) into one
// that stays on the site or on an exactly trusted origin. It returns either a
// same-origin path ("/x?y#z", never starting with "//" or "/\") or an
// absolute URL whose origin is a trusted origin; anything else, and anything
// it is unsure of, becomes "/". An absolute URL on the site itself comes back
// as its path.
//
// The output is rebuilt from the parsed parts (normalized origin, path with
// dot segments resolved, re-encoded query and fragment), never passed
// through, so a browser reads it exactly as it was checked. What is refused:
// values over MaxRedirectLen bytes; any ASCII control character, space,
// backslash, or Unicode character that is not a letter, mark or number, raw
// or after percent-decoding of the path; targets that are neither
// "/"-rooted nor http(s)://; userinfo; any percent sign in the authority;
// non-canonical hosts (numeric IPv4 forms, look-alike Unicode); ports that
// are not exactly the trusted origin's; empty path segments ("//") in the
// path at any decoding depth; and paths that keep changing after three
// rounds of percent-decoding.
func (p *Policy) SafeRedirect(raw string) string {
	if out, ok := p.safeRedirect(raw); ok {
		return out
	}
	return "/"
}

func (p *Policy) safeRedirect(raw string) (string, bool) {
	if raw == "" || len(raw) > MaxRedirectLen || !cleanRaw(raw) {
		return "", false
	}
	if raw[0] == '/' {
		if len(raw) > 1 && raw[1] == '/' {
			return "", false
		}
		return rebuildPathQueryFragment(raw)
	}
	scheme, rest, ok := splitScheme(raw)
	if !ok {
		return "", false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if authority == "" || strings.ContainsAny(authority, "@%") {
		return "", false
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return "", false
	}
	if host, err = normalizeHost(host, true); err != nil {
		return "", false
	}
	if port, err = normalizePort(scheme, port); err != nil {
		return "", false
	}
	o, ok := p.allowed[Origin{Scheme: scheme, Host: host, Port: port}.String()]
	if !ok {
		return "", false
	}
	if tail == "" || tail[0] != '/' {
		tail = "/" + tail
	}
	pqf, ok := rebuildPathQueryFragment(tail)
	if !ok {
		return "", false
	}
	if o == p.site {
		return pqf, true
	}
	return o.String() + pqf, true
}

// splitScheme accepts only "http://" and "https://" (any letter case). Other
// schemes (javascript:, data:, vbscript:, …) and the slash-less "https:host"
// form, which browsers read as an absolute URL, are refused.
func splitScheme(raw string) (scheme, rest string, ok bool) {
	i := strings.Index(raw, "://")
	if i <= 0 {
		return "", "", false
	}
	scheme = strings.ToLower(raw[:i])
	if scheme != "http" && scheme != "https" {
		return "", "", false
	}
	return scheme, raw[i+3:], true
}

// cleanRaw refuses what browsers strip or reinterpret before parsing (tabs,
// newlines, leading and trailing spaces, backslashes read as "/") and
// Unicode that can pass for punctuation (fullwidth solidus, "。", bidi marks).
func cleanRaw(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !harmlessRune(r) {
			return false
		}
		i += size
	}
	return true
}

// harmlessRune allows non-ASCII letters, marks and numbers (a path like
// "/über" is legitimate; it is percent-encoded on output) and nothing else:
// no punctuation, symbols, separators or format characters.
func harmlessRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}

// rebuildPathQueryFragment checks and re-serializes a "/"-rooted
// path[?query][#fragment].
func rebuildPathQueryFragment(s string) (string, bool) {
	var path, query, frag string
	hasQ, hasF := false, false
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s, frag, hasF = s[:i], s[i+1:], true
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query, hasQ = s[:i], s[i+1:], true
	}
	path = s
	if !validEscapes(path) || !validEscapes(query) || !validEscapes(frag) {
		return "", false
	}
	if !safePath(path) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(path) + len(query) + len(frag) + 8)
	appendEscaped(&b, resolveDots(path), pathKeep)
	if hasQ {
		b.WriteByte('?')
		appendEscaped(&b, query, queryKeep)
	}
	if hasF {
		b.WriteByte('#')
		appendEscaped(&b, frag, queryKeep)
	}
	out := b.String()
	if len(out) > MaxRedirectLen {
		return "", false
	}
	return out, true
}

// safePath checks the path as it reads after each round of percent-decoding,
// because the site's own server (or a proxy in front of it) may decode it
// again and act on what it finds. At no depth may it hold an empty segment
// ("//", which some server redirects turn into a scheme-relative URL), a
// backslash, a control character or Unicode punctuation.
func safePath(p string) bool {
	if p == "" || p[0] != '/' || strings.Contains(p, "//") {
		return false
	}
	for round := 0; ; round++ {
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			return true // nothing left to decode: its meaning is settled
		}
		if round == maxDecodeRounds {
			return false
		}
		if !utf8.ValidString(d) || strings.Contains(d, "//") {
			return false
		}
		for _, r := range d {
			if r < utf8.RuneSelf {
				if r < ' ' || r == 0x7f || r == '\\' {
					return false
				}
			} else if !harmlessRune(r) {
				return false
			}
		}
		p = d
	}
}

// validEscapes reports whether every "%" starts a two-digit hex escape.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// resolveDots removes "." and ".." segments the way browsers do, including
// their percent-encoded spellings, so the output says plainly where it goes.
// ".." never climbs above the root.
func resolveDots(p string) string {
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		last := i == len(segs)-1
		switch {
		case isDot(seg):
			if last {
				out = append(out, "")
			}
		case isDotDot(seg):
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isDot(s string) bool { return s == "." || strings.EqualFold(s, "%2e") }

func isDotDot(s string) bool {
	switch strings.ToLower(s) {
	case "..", ".%2e", "%2e.", "%2e%2e":
		return true
	}
	return false
}

const (
	pathKeep  = "-._~!$&'()*+,;=:@/%"
	queryKeep = pathKeep + "?"
)

// appendEscaped writes s, percent-encoding every byte outside the RFC 3986
// set for the component. Existing escapes (already validated) are kept.
func appendEscaped(b *strings.Builder, s, keep string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
}
