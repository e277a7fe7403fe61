package proxy

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"testing"
)

// This file judges request targets the way the stacks behind or in front of
// the gateway read them, with readers written here independently of rules.go:
// a WHATWG URL parser (Node's new URL(req.url, base).pathname), nginx's decoded
// $uri (and that $uri sent on unescaped, as proxy_pass http://up$uri does), and
// Go's net/url. A target is safe when MatchTarget says Protected for every
// target one of those readings puts under a protected rule.

// whatwgPathname returns new URL(target, "http://site/").pathname for an
// origin-form or absolute-form http(s) target, following the URL Standard's
// states for special URLs: "\" is a "/", "//" after the scheme or at the start
// of a relative reference begins an authority (any number of slashes are
// skipped), ".", "..", "%2e" and ".%2E" style segments are dot segments, and
// code points outside the path percent-encode set are escaped. ok is false
// when the parser would throw (an empty host).
func whatwgPathname(target string) (string, bool) {
	s := strings.TrimFunc(target, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	slash := func(c byte) bool { return c == '/' || c == '\\' }
	var rest string
	switch {
	case hasSchemePrefix(s, "http:") || hasSchemePrefix(s, "https:"):
		rest = s[strings.IndexByte(s, ':')+1:]
		if !(len(rest) > 0 && slash(rest[0])) {
			// "http:foo" against an http base is relative to it; not a form
			// an HTTP request line carries.
			return "", false
		}
		fallthrough
	case len(s) > 1 && slash(s[0]) && slash(s[1]):
		if rest == "" {
			rest = s
		}
		i := 0
		for i < len(rest) && slash(rest[i]) {
			i++
		}
		rest = rest[i:]
		end := strings.IndexAny(rest, "/\\?#")
		if end < 0 {
			end = len(rest)
		}
		host := rest[:end]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		if host == "" || strings.HasPrefix(host, ":") {
			return "", false
		}
		rest = rest[end:]
		if len(rest) > 0 && slash(rest[0]) {
			rest = rest[1:]
		} else if len(rest) > 0 {
			rest = "" // a query or fragment right after the host
		}
	case len(s) > 0 && slash(s[0]):
		rest = s[1:]
	default:
		return "", false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	var segs []string
	buf := ""
	for i := 0; ; i++ {
		if i < len(rest) && !slash(rest[i]) {
			buf += whatwgEscape(rest[i])
			continue
		}
		last := i >= len(rest)
		switch l := strings.ToLower(buf); l {
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			if last {
				segs = append(segs, "")
			}
		case ".", "%2e":
			if last {
				segs = append(segs, "")
			}
		default:
			segs = append(segs, buf)
		}
		buf = ""
		if last {
			break
		}
	}
	return "/" + strings.Join(segs, "/"), true
}

func hasSchemePrefix(s, scheme string) bool {
	return len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme)
}

// whatwgEscape applies the path percent-encode set to one byte.
func whatwgEscape(c byte) string {
	if c < 0x20 || c >= 0x7f || strings.IndexByte(" \"#<>?`{}", c) >= 0 {
		return fmt.Sprintf("%%%02X", c)
	}
	return string(c)
}

// nginxURI returns nginx's $uri for a target with merge_slashes on: the path
// up to the raw "?", every escape decoded once (a decoded "/" or "." takes part
// in the normalization; a decoded "?" stays part of the path), slashes merged,
// dot segments resolved (a path ending in a dot segment keeps a trailing
// slash). ok is false where nginx answers 400: a bad escape, a
// decoded NUL, a ".." above the root, or a target that is not a path.
func nginxURI(target string) (string, bool) {
	if !strings.HasPrefix(target, "/") {
		p, ok := absolutePath(target)
		if !ok {
			return "", false
		}
		target = p
	}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	if i := strings.IndexByte(target, '#'); i >= 0 {
		target = target[:i]
	}
	var b strings.Builder
	for i := 0; i < len(target); i++ {
		c := target[i]
		if c == '%' {
			if i+2 >= len(target) || !ishex(target[i+1]) || !ishex(target[i+2]) {
				return "", false
			}
			c = unhex(target[i+1])<<4 | unhex(target[i+2])
			if c == 0 {
				return "", false
			}
			i += 2
		}
		b.WriteByte(c)
	}
	var segs []string
	all := strings.Split(b.String()[1:], "/")
	trailing := false
	for _, seg := range all {
		trailing = seg == "" || seg == "." || seg == ".."
		switch seg {
		case "", ".":
		case "..":
			if len(segs) == 0 {
				return "", false
			}
			segs = segs[:len(segs)-1]
		default:
			segs = append(segs, seg)
		}
	}
	u := "/" + strings.Join(segs, "/")
	if trailing && len(segs) > 0 {
		u += "/"
	}
	return u, true
}

// readingsOf returns every path an upstream stack could route target to.
func readingsOf(target string) []string {
	var out []string
	add := func(p string) {
		if strings.HasPrefix(p, "/") {
			out = append(out, p)
		}
	}
	addWhatwg := func(t string) {
		if p, ok := whatwgPathname(t); ok {
			add(p)
			if d, err := url.PathUnescape(p); err == nil {
				add(d) // Express and friends decode the pathname to route
			}
		}
	}
	addWhatwg(target)
	if u, ok := nginxURI(target); ok {
		add(u)
		// proxy_pass http://up$uri sends $uri unescaped: the upstream splits a
		// decoded "?" off as the query and may read the rest the WHATWG way.
		sent := u
		if i := strings.IndexByte(sent, '?'); i >= 0 {
			sent = sent[:i]
		}
		add(sent)
		addWhatwg(sent)
	}
	for _, parse := range []func(string) (*url.URL, error){url.Parse, url.ParseRequestURI} {
		if u, err := parse(target); err == nil {
			add(u.Path)
			add(u.EscapedPath())
		}
	}
	return out
}

// protectedReading returns the first reading of target that the rules judge
// protected, as is or cleaned the way most routers clean.
func protectedReading(r *Rules, target string) (string, bool) {
	for _, p := range readingsOf(target) {
		if r.judge(p) == Protected || r.judge(path.Clean(p)) == Protected {
			return p, true
		}
	}
	return "", false
}

// generatedTargets spells the protected paths of protectedSubtree (/account,
// /private/) in every combination of host-like prefixes, encodings, dot
// segments, suffixes and request forms: several hundred targets.
func generatedTargets() []string {
	prefixes := []string{"", "/", "//", "///", "////", "//x", "///x", "//x.example", "//user@x", "//x:8080", "/\\x",
		"/%2F", "/%2f%2f", "/%2F%2Fx", "//x/..", "/x/..", "/x/../", "/x/..//x", "/.", "/./", "/%2e", "/%2e%2e",
		"/public/..", "/public/%2e%2e", "/private/help/..", "/x;y", "/x/.%2E"}
	names := []string{"account", "Account", "ACCOUNT", "%61ccount", "acc%6Funt", "account.", "account%20", "account;jsessionid=1",
		"account%3Fx", "account%3f", "account%3F", "account%23", "private", "private/", "PRIVATE", "priv%61te", "private%2Fx", "private%3F/../x"}
	suffixes := []string{"", "/secret", "/", "?q=1", "%3F", "/.", "/%2e%2e/private"}
	var out []string
	for _, p := range prefixes {
		for _, n := range names {
			for _, s := range suffixes {
				t := p + "/" + n + s
				if strings.HasSuffix(p, "/") {
					t = p + n + s
				}
				out = append(out, t)
			}
		}
	}
	// Absolute forms of a sample: every seventh target, with and without a
	// doubled slash after the authority.
	n := len(out)
	for i := 0; i < n; i += 7 {
		out = append(out, "http://site"+out[i], "HTTP://site/"+out[i])
	}
	return out
}

func TestGeneratedTargetsNeverReachAProtectedPathAnonymously(t *testing.T) {
	r := protectedSubtree(t)
	targets := generatedTargets()
	if len(targets) < 500 {
		t.Fatalf("generated %d targets, want several hundred", len(targets))
	}
	hits := 0
	for _, target := range targets {
		p, ok := protectedReading(r, target)
		if !ok {
			continue
		}
		hits++
		if got := r.MatchTarget(target); got != Protected {
			t.Errorf("MatchTarget(%q) = %v, but a reading routes it to %q, which is protected", target, got, p)
		}
	}
	// The table is only a test if most of it spells a protected path.
	if hits < len(targets)/2 {
		t.Errorf("only %d of %d generated targets have a protected reading; the generator lost its teeth", hits, len(targets))
	}
	t.Logf("%d targets, %d with a protected reading", len(targets), hits)
}

func TestReadersSeeTheKnownTricks(t *testing.T) {
	// The readers themselves must see what the review found, or the other
	// tests in this file prove nothing.
	for target, want := range map[string]string{
		"//x/account/secret":            "/account/secret",
		"///x/account":                  "/account",
		"http://site//x/account/secret": "//x/account/secret",
		"/a/%2e%2E/account":             "/account",
		"/x\\..\\account":               "/account",
	} {
		if got, ok := whatwgPathname(target); !ok || got != want {
			t.Errorf("whatwgPathname(%q) = %q, %v; want %q", target, got, ok, want)
		}
	}
	if u, ok := nginxURI("/account%3Fx"); !ok || u != "/account?x" {
		t.Errorf("nginxURI(/account%%3Fx) = %q, %v; want /account?x", u, ok)
	}
	if u, ok := nginxURI("//x/../account/./a//b/"); !ok || u != "/account/a/b/" {
		t.Errorf("nginxURI = %q, %v; want /account/a/b/", u, ok)
	}
}

// FuzzMatchTarget checks MatchTarget against the independent readers: no
// target that any of them routes to a protected path is judged Public.
func FuzzMatchTarget(f *testing.F) {
	for _, s := range []string{"/", "//x/account", "///x/account/y", "http://site//x/account", "/account%3Fx", "/a/..//x/private",
		"/%2F%2Fx/account", "/x/%2e%2e/account", "//user@x:1/private/", "/public/..;/private", "*", "https://s?x"} {
		f.Add(s)
	}
	r := protectedSubtree(f)
	f.Fuzz(func(t *testing.T, target string) {
		if r.MatchTarget(target) != Public {
			return
		}
		if p, ok := protectedReading(r, target); ok {
			t.Fatalf("MatchTarget(%q) = Public, but a reading routes it to %q, which is protected", target, p)
		}
	})
}
