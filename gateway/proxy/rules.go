package proxy

import (
	"fmt"
	"net/http"
	"strings"
)

// Access says whether a path needs a session.
type Access int

const (
	// Public paths are proxied without a session.
	Public Access = iota
	// Protected paths need a signed-in visitor.
	Protected
)

// String returns the config spelling, "public" or "protected".
func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case Protected:
		return "protected"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// ParseAccess reads the config spelling of an Access ("public" or "protected").
func ParseAccess(s string) (Access, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "public":
		return Public, nil
	case "protected":
		return Protected, nil
	}
	return Protected, fmt.Errorf("proxy: access %q is not valid, expected \"public\" or \"protected\"", s)
}

// Rule gives the access of one path. A Path ending in "/" matches its subtree;
// any other Path matches itself exactly and its subtree (Path + "/..."). Since
// rules are compared with cleaned paths, "/app/" and "/app" match the same set.
type Rule struct {
	Path   string
	Access Access
}

// Rules holds the ordered path rules of one site; the first matching rule wins,
// and the default applies when none matches.
type Rules struct {
	rules []rule
	def   Access
	// foldAlways is set when some rule path has a byte other than lower-case
	// ASCII; otherwise a path of lower-case ASCII cannot match differently
	// case-folded, and judge skips the folded pass.
	foldAlways bool
	index      ruleIndex
}

type rule struct {
	path   string // cleaned, no trailing slash except for "/"
	access Access
}

// NewRules checks and compiles rules. A rule path must be an absolute, already
// decoded path without query, fragment, "%" or control characters.
func NewRules(rules []Rule, def Access) (*Rules, error) {
	if def != Public && def != Protected {
		return nil, fmt.Errorf("proxy: default access %d is not valid, expected Public or Protected (setting default_access)", int(def))
	}
	out := &Rules{def: def, rules: make([]rule, 0, len(rules))}
	for i, r := range rules {
		if r.Access != Public && r.Access != Protected {
			return nil, fmt.Errorf("proxy: access rule %d (%q) has access %d, expected Public or Protected (setting access[%d].access)", i, r.Path, int(r.Access), i)
		}
		if r.Path == "" || r.Path[0] != '/' || strings.ContainsAny(r.Path, "%?#;\\") {
			return nil, fmt.Errorf("proxy: access rule %d path %q is not valid, expected an absolute decoded path like \"/app/\" or \"/account\" without %%, ?, #, ; or \\ (setting access[%d].path)", i, r.Path, i)
		}
		p, ok := CleanPath(r.Path)
		if !ok {
			return nil, fmt.Errorf("proxy: access rule %d path %q is not valid, expected a path of printable UTF-8 (setting access[%d].path)", i, r.Path, i)
		}
		out.rules = append(out.rules, rule{path: p, access: r.Access})
		out.foldAlways = out.foldAlways || !lowerASCII(p)
	}
	out.index = newRuleIndex(out.rules, linearRules)
	return out, nil
}

// Default returns the access of paths no rule matches.
func (r *Rules) Default() Access { return r.def }

// MatchRequest judges a request by its raw request target (RequestURI), or by
// its escaped URL path when the request has none (a client-side request).
// Never judge by a decoded r.URL.Path: decoding before judging is what lets
// %3F and %23 tricks through.
func (r *Rules) MatchRequest(req *http.Request) Access {
	if u := req.RequestURI; u != "" {
		return r.MatchTarget(u)
	}
	return r.Match(req.URL.EscapedPath())
}

// MatchTarget judges a request target exactly as it came on a request line or
// from a front proxy (nginx's $request_uri, Traefik's X-Forwarded-Uri): origin
// form "/p?q" or absolute form "http://host/p?q", still percent-encoded. The
// path of an absolute form is judged as the origin form the gateway forwards
// upstream. Any other form ("*", "host:port", another scheme, an empty target)
// is Protected. Like Match, it answers Public only when every reading of the
// path that an upstream stack might make (a WHATWG URL parser, nginx's decoded
// $uri, Go's net/url, servlet and Windows leniencies) is Public.
//
// Forward-auth mode calls this for the URI the front proxy reports; keep its
// name and signature.
func (r *Rules) MatchTarget(target string) Access {
	if target == "" {
		return Protected
	}
	if target[0] == '/' {
		return r.Match(target)
	}
	p, ok := absolutePath(target)
	if !ok {
		return Protected
	}
	return r.Match(p)
}

// absolutePath returns the path and query of an absolute-form http(s) target
// ("/" when the path is empty), the way net/url splits it: the authority runs
// to the first "/", "?" or "#".
func absolutePath(target string) (string, bool) {
	i := strings.Index(target, "://")
	if i <= 0 {
		return "", false
	}
	if scheme := target[:i]; !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return "", false
	}
	rest := target[i+3:]
	j := strings.IndexAny(rest, "/?#")
	if j < 0 {
		return "/", true
	}
	if rest[j] != '/' {
		return "/" + rest[j:], true
	}
	return rest[j:], true
}

// Match returns the access of a raw (still percent-encoded) origin-form path; a
// query is ignored. Pass r.RequestURI or r.URL.EscapedPath(), never the decoded
// r.URL.Path. Paths that CleanPath refuses are Protected, and a path is Public
// only when every plausible reading of it by an upstream is Public.
func (r *Rules) Match(rawPath string) Access {
	budget := maxAuthorityReadings
	return r.match(rawPath, &budget)
}

// maxAuthorityReadings bounds how many readings of one request take a first
// segment for an authority and judge the rest again (each is shorter than the
// path it came from). A path that needs more is Protected: no browser sends
// one, and the bound keeps a hostile path of slashes from costing more than a
// few dozen judgements.
const maxAuthorityReadings = 8

func (r *Rules) match(rawPath string, budget *int) Access {
	clean, ok := CleanPath(rawPath)
	if !ok {
		return Protected
	}
	if r.judge(clean) == Protected {
		return Protected
	}
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	if !ambiguous(rawPath) {
		return Public
	}
	return r.matchReadings(rawPath, budget)
}

// judge runs the ordered rules on one reading, both case-sensitively and
// case-folded (for upstreams on case-insensitive file systems); Protected wins.
// Only the rules the index offers for the reading's first segment are tried:
// the first of them that matches is the first of all the rules that does.
func (r *Rules) judge(p string) Access {
	a := r.def
	for _, rl := range r.index.candidates(p, false) {
		if matches(rl.path, p, false) {
			a = rl.access
			break
		}
	}
	if a == Protected || !r.foldAlways && lowerASCII(p) {
		return a
	}
	for _, rl := range r.index.candidates(p, true) {
		if matches(rl.path, p, true) {
			return rl.access
		}
	}
	return r.def
}

func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func matches(rule, p string, fold bool) bool {
	if rule == "/" {
		return true
	}
	if len(p) < len(rule) {
		return false
	}
	head := p[:len(rule)]
	if fold {
		if !strings.EqualFold(head, rule) {
			return false
		}
	} else if head != rule {
		return false
	}
	return len(p) == len(rule) || p[len(rule)] == '/'
}
