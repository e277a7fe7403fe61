package session

import (
	"net/http"
	"testing"
)

// cookieValue must read a Cookie header exactly as r.Cookie does (first valid
// cookie of the name wins; quoted values unquoted; invalid values skipped), or
// a visitor could be signed in or out differently than before.
func cookieHeaders() [][]string {
	return [][]string{
		nil,
		{""},
		{"lo_session=abc"},
		{"_ga=GA1.1.123; lo_session=abc-_.~; theme=dark"},
		{"  lo_session = abc ;theme=dark"},
		{"lo_session=\"quoted\""},
		{"lo_session=\""},
		{"lo_session=\"\""},
		{"lo_session=a\\b; lo_session=second"},
		{"lo_session=a\"b; lo_session=second"},
		{"lo_session=a b"},
		{"lo_session=a,b"},
		{"lo_session=\x7f; lo_session=ok"},
		{"lo_session"},
		{"lo_session="},
		{"lo_session=; lo_session=later"},
		{"lo_sessionx=no; xlo_session=no"},
		{"LO_SESSION=no-case-folding"},
		{";;; ; lo_session=after-empties"},
		{"theme=dark", "lo_session=second-line"},
		{"lo_session=first-line", "lo_session=second-line"},
		{"lo_session=\xff\xfe; lo_session=ascii"},
		{"lo_session=x=y=z"},
		{"\tlo_session=tabbed\t"},
	}
}

func TestCookieValueReadsAsNetHTTP(t *testing.T) {
	for _, lines := range cookieHeaders() {
		assertCookieLikeNetHTTP(t, lines)
	}
}

func assertCookieLikeNetHTTP(t *testing.T, lines []string) {
	t.Helper()
	r := &http.Request{Header: http.Header{}}
	if lines != nil {
		r.Header["Cookie"] = lines
	}
	want, err := r.Cookie("lo_session")
	got, ok := cookieValue(r.Header, "lo_session")
	switch {
	case err != nil && ok:
		t.Errorf("Cookie %q: cookieValue found %q, net/http finds none", lines, got)
	case err == nil && !ok:
		t.Errorf("Cookie %q: cookieValue finds none, net/http finds %q", lines, want.Value)
	case err == nil && got != want.Value:
		t.Errorf("Cookie %q: cookieValue %q, net/http %q", lines, got, want.Value)
	}
}

func FuzzCookieValue(f *testing.F) {
	for _, lines := range cookieHeaders() {
		if len(lines) == 1 {
			f.Add(lines[0])
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		assertCookieLikeNetHTTP(t, []string{line})
	})
}

// BenchmarkSessionCookie is the session cookie read from a browser's Cookie
// header with other cookies around it: net/http's r.Cookie against
// cookieValue, which the Manager uses.
func BenchmarkSessionCookie(b *testing.B) {
	h := http.Header{"Cookie": {"_ga=GA1.1.1234567890.1700000000; lo_session=MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFBQV80N19nZ0FCQm5OMGNtbHVad3dFQUFKcFpBWnpkSEpwYm1jTUxBQXE; theme=dark"}}
	r := &http.Request{Header: h}
	b.Run("net-http", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if c, err := r.Cookie("lo_session"); err != nil || c.Value == "" {
				b.Fatal("no cookie")
			}
		}
	})
	b.Run("cookieValue", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, ok := cookieValue(h, "lo_session"); !ok || v == "" {
				b.Fatal("no cookie")
			}
		}
	})
}
