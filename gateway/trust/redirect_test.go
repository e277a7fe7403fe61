package trust

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testSite    = "https://www.whitelisteddomain.tld"
	testTrusted = "https://example.com"
	testDevPort = "http://localhost:8080"
)

func testPolicy(tb testing.TB) *Policy {
	tb.Helper()
	p, err := NewPolicy(testSite, []string{testTrusted, testDevPort})
	if err != nil {
		tb.Fatalf("NewPolicy(%q, …) failed: %v", testSite, err)
	}
	return p
}

// hostileRedirects are targets that must all come back as "/".
var hostileRedirects = []string{
	// scheme-relative and backslash forms
	"//evil.com", "//evil.com/", "///evil.com", "////evil.com", `/\evil.com`, `\/evil.com`,
	`\\evil.com`, `/\/evil.com`, `\evil.com`, `/x/\..\..\/evil.com`,
	// percent-encoded and double-encoded slashes and backslashes
	"/%2f%2fevil.com", "/%2F%2Fevil.com", "%2f%2fevil.com", "/%5cevil.com", "/%5Cevil.com",
	"/%252f%252fevil.com", "/%25252f%25252fevil.com", "/%255cevil.com", "/a/%2f/evil.com",
	"/%2525252f%2525252fevil.com",
	// control characters and whitespace anywhere
	"/\t/evil.com", "/%09/evil.com", "/\n/evil.com", "/\r\n/evil.com", "/%0d%0a/evil.com",
	" /ok", "/ok ", "/o k", "/ok\x00", "/ok\x7f", "/%00", "/\v/evil.com", "/%2509/evil.com",
	"https://example.com/\tx", "\x01https://example.com",
	// other schemes, case and whitespace variants
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
	"java%0ascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
	"file:///etc/passwd", "ftp://example.com/", "ws://example.com/", "javascript://example.com/%0aalert(1)",
	"https:example.com", "https:/example.com", "https:\\\\example.com", "http://example.com/",
	// userinfo tricks
	"https://example.com@evil.com", `https://evil.com\@example.com`, "https://user:pass@example.com/",
	"https://example.com%40evil.com", "https://evil.com%2f@example.com", "https://example.com:443@evil.com",
	// IP forms
	"http://3232235777", "http://0xC0A80101", "http://0300.0250.01.01", "http://192.168.1.1",
	"https://0x7f.1/", "https://127.1/", "http://[::ffff:127.0.0.1]/",
	// Unicode tricks
	"/／evil.com", "／／evil.com", "https://example。com", "https://ｅxample.com",
	"/\u202e/moc.live", "https://example.com\u200e/", "〵evil.com", "/\u3000/evil.com",
	"https://evil.com\uff0f@example.com",
	// ports and lookalikes
	"https://example.com:444/", "https://example.com:0443/", "https://example.com:/", "https://example.com:65536/",
	"https://example.com.evil.com/", "https://evilexample.com/", "https://example.com./", "https://www.example.com/",
	"https://xn--exmple-cua.com/", "http://localhost:8081/", "http://localhost/", "https://localhost:8080/",
	// dot-dot climbs and encoded dots in the authority
	"https://example.com%2e%2e/", "https://%2e%2e/evil.com", "/..//evil.com", "/%2e%2e//evil.com",
	// malformed escapes, not rooted, empty, over-long
	"/%zz", "/%", "/%2", "evil.com", "./evil.com", "?next=//evil.com", "#x", "",
	"/" + strings.Repeat("a", 2048),
	// triple decoding changes
	"/%252525252f",
}

// validRedirects maps a good target to exactly what SafeRedirect must return.
var validRedirects = []struct{ in, want string }{
	{"/", "/"},
	{"/account", "/account"},
	{"/account/settings?tab=2", "/account/settings?tab=2"},
	{"/search?q=a+b&page=3#results", "/search?q=a+b&page=3#results"},
	{"/a/b/../c", "/a/c"},
	{"/a/./b/", "/a/b/"},
	{"/../x", "/x"},
	{"/a/%2e%2e/b", "/b"},
	{"/report%20Q3.pdf", "/report%20Q3.pdf"},
	{"/über", "/%C3%BCber"},
	{"/x?next=https://evil.com/", "/x?next=https://evil.com/"},
	{"/x?q=<b>", "/x?q=%3Cb%3E"},
	{"/x#frag#more", "/x#frag%23more"},
	{"/javascript:alert(1)", "/javascript:alert(1)"},
	{"https://www.whitelisteddomain.tld/help?x=1", "/help?x=1"},
	{"HTTPS://WWW.WhiteListedDomain.TLD", "/"},
	{"https://example.com", "https://example.com/"},
	{"https://example.com/", "https://example.com/"},
	{"https://example.com:443/p/q?r=s#t", "https://example.com/p/q?r=s#t"},
	{"HTTPS://Example.COM/Path", "https://example.com/Path"},
	{"https://example.com?x=1", "https://example.com/?x=1"},
	{"http://localhost:8080/dev", "http://localhost:8080/dev"},
	{"/" + strings.Repeat("a", 2000), "/" + strings.Repeat("a", 2000)},
}

func TestSafeRedirectRefusesHostileTargets(t *testing.T) {
	p := testPolicy(t)
	for _, in := range hostileRedirects {
		t.Run("refuses "+shorten(in), func(t *testing.T) {
			if got := p.SafeRedirect(in); got != "/" {
				t.Errorf("SafeRedirect(%q) = %q; want %q", in, got, "/")
			}
		})
	}
}

func TestSafeRedirectKeepsGoodTargets(t *testing.T) {
	p := testPolicy(t)
	for _, tc := range validRedirects {
		t.Run("keeps "+shorten(tc.in), func(t *testing.T) {
			if got := p.SafeRedirect(tc.in); got != tc.want {
				t.Errorf("SafeRedirect(%q) = %q; want %q", tc.in, got, tc.want)
			}
			if err := checkRedirectInvariant(p, tc.want); err != "" {
				t.Errorf("wanted value %q breaks the invariant: %s", tc.want, err)
			}
		})
	}
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// checkRedirectInvariant returns "" when out is a safe SafeRedirect result
// for p, or what is wrong with it.
func checkRedirectInvariant(p *Policy, out string) string {
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x21 || c >= 0x7f || c == '\\' {
			return "contains a control, space, backslash or non-ASCII byte"
		}
	}
	if strings.HasPrefix(out, "/") {
		path := out
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		if strings.Contains(path, "//") {
			return `path contains "//"`
		}
		site := p.Site().String()
		u, err := url.Parse(site + out)
		if err != nil {
			return "site+output does not parse: " + err.Error()
		}
		if u.Scheme+"://"+u.Host != site || u.User != nil {
			return "site+output leaves the site for " + u.Scheme + "://" + u.Host
		}
		base, _ := url.Parse(site + "/some/page")
		ref, err := url.Parse(out)
		if err != nil {
			return "output does not parse as a reference: " + err.Error()
		}
		if r := base.ResolveReference(ref); r.Scheme+"://"+r.Host != site {
			return "output resolved against the site leaves it for " + r.Scheme + "://" + r.Host
		}
		return ""
	}
	u, err := url.Parse(out)
	if err != nil {
		return "absolute output does not parse: " + err.Error()
	}
	if u.User != nil || u.Opaque != "" {
		return "absolute output has userinfo or is opaque"
	}
	origin := u.Scheme + "://" + u.Host
	if origin == p.Site().String() {
		return ""
	}
	for _, t := range p.TrustedOrigins() {
		if origin == t {
			return ""
		}
	}
	return "absolute output is on untrusted origin " + origin
}

// sharedTestdataDir finds the shared test data: $LOGATEWAY_SHARED_TESTDATA,
// else ../shared/testdata next to the repository root (found by walking up
// to go.mod).
func sharedTestdataDir(tb testing.TB) string {
	if d := os.Getenv("LOGATEWAY_SHARED_TESTDATA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("cannot read working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func TestSafeRedirectSharedPayloadsStayOnTrustedOrigins(t *testing.T) {
	p, err := NewPolicy(testSite, []string{testTrusted})
	if err != nil {
		t.Fatal(err)
	}
	dir := sharedTestdataDir(t)
	file := filepath.Join(dir, "openredirects.txt")
	f, err := os.Open(file)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared payload file %s is required in CI (set LOGATEWAY_SHARED_TESTDATA): %v", file, err)
		}
		t.Logf("shared payload file %s not found (%v); only the built-in cases ran", file, err)
		return
	}
	defer f.Close()
	var lines, reduced, kept int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		lines++
		out := p.SafeRedirect(line)
		if out == "/" {
			reduced++
		} else {
			kept++
		}
		if msg := checkRedirectInvariant(p, out); msg != "" {
			t.Errorf("line %d %q: SafeRedirect = %q, which %s; want a path on the site or a URL on %s or %s", lines, line, out, msg, testSite, testTrusted)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	if lines == 0 {
		t.Fatalf("%s has no lines; want the open-redirect payload list", file)
	}
	t.Logf("%s: %d payloads, %d reduced to \"/\", %d kept (a path on the site or a URL on a trusted origin)", file, lines, reduced, kept)
}
