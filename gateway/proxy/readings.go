package proxy

import (
	"path"
	"strings"
)

// matchReadings judges the readings other than the canonical one. It runs only
// for paths a browser would not normally send (escapes, dot segments, ";",
// doubled slashes, trailing dots), so its allocations stay off the hot path.
func (r *Rules) matchReadings(raw string, budget *int) Access {
	decoded, ok := decodeOnce(raw)
	if !ok {
		return Protected
	}
	for _, p := range [...]string{
		raw,                              // upstream neither decodes nor resolves dot segments
		path.Clean(raw),                  // resolves dot segments but keeps escapes (%2F stays in a segment)
		decoded,                          // decodes but routes on the unresolved path
		path.Clean(lenient(decoded)),     // strips ;params and trailing dots/spaces (Tomcat, IIS)
		path.Clean(lenient(raw)),         // the same without decoding
		lenient(decoded),                 // ... and without resolving dot segments
		path.Clean(decodeSlashOnly(raw)), // decodes %2F only
	} {
		if r.judge(p) == Protected {
			return Protected
		}
	}
	// A path that starts with "//" is a scheme-relative URL to a WHATWG parser
	// (new URL(req.url, base) in Node) and to net/url's Parse: "//x/account"
	// names host x and path /account. Such a path may also appear only after
	// decoding (/%2F%2Fx/…) or after dot segments are resolved without merging
	// slashes (/a/..//x/…), as WHATWG does.
	var seen [6]string
	n := 0
	for _, p := range [...]string{raw, decoded, resolveDots(raw), resolveDots(decoded), lenient(decoded), decodeSlashOnly(raw)} {
		rest, ok := authorityReading(p)
		if !ok {
			continue
		}
		dup := false
		for _, s := range seen[:n] {
			dup = dup || s == rest
		}
		if dup {
			continue
		}
		seen[n] = rest
		n++
		if *budget <= 0 {
			return Protected
		}
		*budget--
		if r.match(rest, budget) == Protected {
			return Protected
		}
	}
	return Public
}

// authorityReading reads p the WHATWG way when it starts with two slashes: all
// leading slashes are skipped, the first segment is an authority, and the
// rest ("/" when there is none) is the path.
func authorityReading(p string) (string, bool) {
	if !strings.HasPrefix(p, "//") {
		return "", false
	}
	p = strings.TrimLeft(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[i:], true
	}
	return "/", true
}

// resolveDots removes "." and ".." segments as RFC 3986 and WHATWG do, keeping
// empty segments: "/a/..//x" becomes "//x", where path.Clean gives "/x".
func resolveDots(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// ambiguous reports whether a raw path could be read differently by different
// upstream stacks: escapes, ";" parameters, doubled slashes, dot segments or
// segments ending in a dot or space.
func ambiguous(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '%', ';':
			return true
		case '/':
			if i+1 < len(raw) && raw[i+1] == '/' {
				return true
			}
		case '.', ' ':
			if i+1 == len(raw) || raw[i+1] == '/' {
				return true
			}
		}
	}
	return false
}

// lenient strips ";params" and trailing dots and spaces from every segment, as
// servlet containers and Windows file systems do.
func lenient(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for len(p) > 0 {
		seg := p
		rest := ""
		if i := strings.IndexByte(p, '/'); i >= 0 {
			seg, rest = p[:i], p[i:]
			if i == 0 {
				b.WriteByte('/')
				p = p[1:]
				continue
			}
		}
		if i := strings.IndexByte(seg, ';'); i >= 0 {
			seg = seg[:i]
		}
		if seg != "." && seg != ".." {
			seg = strings.TrimRight(seg, ". ")
		}
		b.WriteString(seg)
		p = rest
	}
	return b.String()
}

// decodeSlashOnly turns %2F into "/" and leaves every other escape alone.
func decodeSlashOnly(p string) string {
	if !strings.Contains(p, "%2") {
		return p
	}
	p = strings.ReplaceAll(p, "%2F", "/")
	return strings.ReplaceAll(p, "%2f", "/")
}
