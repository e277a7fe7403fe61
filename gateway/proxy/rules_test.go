package proxy

import (
	"net/http/httptest"
	"testing"
)

// protectedSubtree protects /private/ and /account on a public-by-default site,
// with one public hole at /private/help.
func protectedSubtree(t testing.TB) *Rules {
	t.Helper()
	r, err := NewRules([]Rule{
		{Path: "/private/help", Access: Public},
		{Path: "/private/", Access: Protected},
		{Path: "/account", Access: Protected},
	}, Public)
	if err != nil {
		t.Fatalf("NewRules: %v", err)
	}
	return r
}

// publicSubtree opens /public/ and /static/ on a protected-by-default site.
func publicSubtree(t testing.TB) *Rules {
	t.Helper()
	r, err := NewRules([]Rule{
		{Path: "/public/", Access: Public},
		{Path: "/static/", Access: Public},
	}, Protected)
	if err != nil {
		t.Fatalf("NewRules: %v", err)
	}
	return r
}

func TestRulesMatch(t *testing.T) {
	a, b := protectedSubtree(t), publicSubtree(t)
	cases := []struct {
		name  string
		rules *Rules
		path  string
		want  Access
	}{
		{"the protected prefix itself is protected", a, "/private", Protected},
		{"the protected prefix with a slash is protected", a, "/private/", Protected},
		{"a path under the protected prefix is protected", a, "/private/x", Protected},
		{"a sibling sharing the prefix letters is public", a, "/privatex", Public},
		{"an earlier public rule wins over a later protected one", a, "/private/help", Public},
		{"dot segments climbing out of the public hole are protected", a, "/private/help/../secret", Protected},
		{"dot segments climbing from a public path into a protected one are protected", a, "/public/../private", Protected},
		{"encoded dot segments are protected", a, "/public/%2e%2e/private", Protected},
		{"upper-case encoded dot segments are protected", a, "/public/%2E%2E/private", Protected},
		{"encoded slashes with dots are protected", a, "/public%2F..%2Fprivate", Protected},
		{"an encoded slash inside the protected prefix is protected", a, "/private%2Fx", Protected},
		{"a doubled leading slash is protected", a, "//private", Protected},
		{"a single-dot segment is protected", a, "/./private", Protected},
		{"a query that looks like a public path is ignored", a, "/private?x=/public", Protected},
		{"a query that looks like a protected path is ignored", a, "/x?y=/private", Public},
		{"a fragment smuggled into the request target fails closed", a, "/x#/../private", Protected},
		{"a fragment after the protected path fails closed", a, "/private#/public", Protected},
		{"a ;param on the protected path is protected", a, "/private;jsessionid=1", Protected},
		{"a ;param segment hiding dot segments is protected", a, "/x/..;/private/y", Protected},
		{"a trailing dot on the protected segment is protected", a, "/private.", Protected},
		{"a trailing dot segment is protected", a, "/private/.", Protected},
		{"a trailing space on the protected segment is protected", a, "/private%20", Protected},
		{"upper case of the protected path is protected", a, "/PRIVATE/x", Protected},
		{"an encoded letter of the protected path is protected", a, "/%70rivate", Protected},
		{"an encoded NUL fails closed", a, "/x%00", Protected},
		{"double encoding fails closed", a, "/public/%252e%252e/private", Protected},
		{"a bad escape fails closed", a, "/x%zz", Protected},
		{"overlong UTF-8 dots fail closed", a, "/public/%c0%ae%c0%ae/private", Protected},
		{"a backslash fails closed", a, "/x\\..\\private", Protected},
		{"an encoded backslash fails closed", a, "/x%5c..%5cprivate", Protected},
		{"an empty path fails closed", a, "", Protected},
		{"an asterisk target fails closed", a, "*", Protected},
		{"an absolute-form target fails closed", a, "http://evil.example/x", Protected},
		{"an exact rule covers its subtree", a, "/account/settings", Protected},
		{"an exact rule does not cover a longer name", a, "/accounts", Public},
		{"an encoded slash out of the public hole is protected", a, "/private/help%2F..%2F..%2Fprivate%2Fsecret", Protected},
		{"dot segments that stay inside public space are public", a, "/a/b/../c", Public},
		{"a first segment a WHATWG parser reads as a host is protected", a, "//x/account/secret", Protected},
		{"three leading slashes before a host are protected", a, "///x/account", Protected},
		{"a host segment alone reads as the protected root of another path", a, "//x/private", Protected},
		{"encoded leading slashes before a host are protected", a, "/%2F%2Fx/account", Protected},
		{"a host reading that appears once dot segments are resolved is protected", a, "/a/..//x/account", Protected},
		{"a host reading nested in a host reading is protected", a, "//x//y/account", Protected},
		{"a decoded ? ending the protected path is protected", a, "/account%3Fx", Protected},
		{"a lower-case decoded ? is protected", a, "/private%3f/../x", Protected},
		{"a doubled slash inside a public path stays public", a, "/docs//guide", Public},
		{"a plain public page is public", b, "/public/index.html", Public},
		{"the public prefix without a slash is public", b, "/public", Public},
		{"a public page with a query is public", b, "/public/x?a=b&c=/secret", Public},
		{"climbing out of the public prefix is protected", b, "/public/../secret", Protected},
		{"encoded climbing out of the public prefix is protected", b, "/public/%2e%2e/secret", Protected},
		{"encoded slashes out of the public prefix are protected", b, "/public%2F..%2Fsecret", Protected},
		{"Tomcat's ..; out of the public prefix is protected", b, "/public/..;/secret", Protected},
		{"a name sharing the public prefix letters is protected", b, "/publicity", Protected},
		{"a differently cased public prefix is protected", b, "/Public/x", Protected},
		{"an unmatched path takes the protected default", b, "/", Protected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rules.Match(c.path); got != c.want {
				t.Errorf("Match(%q) = %v, want %v", c.path, got, c.want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"a clean path stays as it is", "/a/b", "/a/b", true},
		{"the query is dropped", "/a/b?x=/c", "/a/b", true},
		{"dot segments are resolved", "/public/../private", "/private", true},
		{"escapes are decoded once", "/%70ublic/%2e%2e/private", "/private", true},
		{"an encoded slash becomes a separator", "/a%2Fb", "/a/b", true},
		{"the trailing slash goes", "/a/", "/a", true},
		{"doubled slashes collapse", "//a///b", "/a/b", true},
		{"the root stays the root", "/", "/", true},
		{"a fragment is refused", "/a#b", "", false},
		{"a decoded percent is refused", "/a%2541", "", false},
		{"a relative path is refused", "a/b", "", false},
		{"a control byte is refused", "/a\nb", "", false},
		{"a truncated escape is refused", "/a%4", "", false},
		{"invalid UTF-8 is refused", "/%ff", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := CleanPath(c.in)
			if got != c.want || ok != c.ok {
				t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestNewRulesRefusesBadRules(t *testing.T) {
	cases := []struct {
		name  string
		rules []Rule
		def   Access
	}{
		{"a relative rule path", []Rule{{Path: "app/", Access: Public}}, Public},
		{"an encoded rule path", []Rule{{Path: "/a%2Fb", Access: Public}}, Public},
		{"a rule path with a query", []Rule{{Path: "/a?b", Access: Public}}, Public},
		{"an unknown access", []Rule{{Path: "/a", Access: Access(7)}}, Public},
		{"an unknown default", nil, Access(-1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewRules(c.rules, c.def); err == nil {
				t.Errorf("NewRules(%v, %v) = nil error, want an error naming the setting", c.rules, c.def)
			}
		})
	}
}

func TestMatchRequestJudgesTheRawTarget(t *testing.T) {
	r := protectedSubtree(t)
	// Decoding first would turn %3F into a query separator and judge "/x".
	req := httptest.NewRequest("GET", "/x%3F/../private", nil)
	if got := r.MatchRequest(req); got != Protected {
		t.Errorf("MatchRequest(%q) = %v, want Protected", req.RequestURI, got)
	}
}

func TestMatchTargetReadsEveryRequestForm(t *testing.T) {
	r := protectedSubtree(t)
	cases := []struct {
		name, target string
		want         Access
	}{
		{"an absolute form whose path starts with a host segment is protected", "http://site//x/account/secret", Protected},
		{"an absolute form with an upper-case scheme is read the same", "HTTPS://site//x/account", Protected},
		{"an absolute form of a protected path is protected", "http://site/account", Protected},
		{"an absolute form of a public path is public", "http://site/docs?a=b", Public},
		{"an absolute form without a path is the root", "http://site", Public},
		{"an absolute form with only a query is the root", "http://site?x=/account", Public},
		{"another scheme fails closed", "ftp://site/docs", Protected},
		{"the asterisk form fails closed", "*", Protected},
		{"the authority form fails closed", "site:443", Protected},
		{"an empty target fails closed", "", Protected},
		{"an origin form with a decoded ? is protected", "/account%3Fx?y=1", Protected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := r.MatchTarget(c.target); got != c.want {
				t.Errorf("MatchTarget(%q) = %v, want %v", c.target, got, c.want)
			}
		})
	}
	t.Run("MatchRequest judges an absolute-form request line by its path", func(t *testing.T) {
		req := httptest.NewRequest("GET", "http://site//x/account/secret", nil)
		if got := r.MatchRequest(req); got != Protected {
			t.Errorf("MatchRequest(%q) = %v, want Protected", req.RequestURI, got)
		}
	})
}

func TestParseAccess(t *testing.T) {
	for in, want := range map[string]Access{"public": Public, "Protected": Protected} {
		got, err := ParseAccess(in)
		if err != nil || got != want {
			t.Errorf("ParseAccess(%q) = %v, %v; want %v, nil", in, got, err, want)
		}
	}
	if _, err := ParseAccess("open"); err == nil {
		t.Errorf("ParseAccess(%q) = nil error, want an error", "open")
	}
}

// FuzzMatch checks that no input panics and that a Public answer is only given
// to a path whose canonical reading is public as well.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/", "/private", "/public/../private", "/a%2Fb", "/x;y/..;/z", "/%2e%2e/", "/p?x#y", "//a/./b/"} {
		f.Add(s)
	}
	r := protectedSubtree(f)
	f.Fuzz(func(t *testing.T, raw string) {
		if r.Match(raw) != Public {
			return
		}
		c, ok := CleanPath(raw)
		if !ok {
			t.Fatalf("Match(%q) = Public although CleanPath refuses it", raw)
		}
		if r.judge(c) != Public {
			t.Fatalf("Match(%q) = Public although its cleaned path %q is protected", raw, c)
		}
	})
}

func BenchmarkRulesMatch(b *testing.B) {
	r, err := NewRules([]Rule{
		{Path: "/__lo/", Access: Public},
		{Path: "/static/", Access: Public},
		{Path: "/assets/", Access: Public},
		{Path: "/private/help", Access: Public},
		{Path: "/private/", Access: Protected},
		{Path: "/account", Access: Protected},
		{Path: "/admin/", Access: Protected},
	}, Public)
	if err != nil {
		b.Fatal(err)
	}
	paths := []string{"/static/app.js", "/private/orders/42", "/docs/getting-started", "/account?tab=profile"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Match(paths[i%len(paths)])
	}
}
