package trust

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSafeRedirect checks the one property SafeRedirect exists for: whatever
// comes in, what goes out is a "/"-rooted path that stays on the site, or an
// absolute URL on exactly the site or a trusted origin. It also checks that
// the output is a fixed point (feeding it back returns it unchanged), which
// catches outputs that are re-read differently from how they were checked.
func FuzzSafeRedirect(f *testing.F) {
	for _, s := range hostileRedirects {
		f.Add(s)
	}
	for _, tc := range validRedirects {
		f.Add(tc.in)
	}
	// The shared payloads make good seeds when present; their absence is
	// reported by TestSafeRedirectSharedPayloadsStayOnTrustedOrigins.
	if fh, err := os.Open(filepath.Join(sharedTestdataDir(f), "openredirects.txt")); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			f.Add(sc.Text())
		}
		fh.Close()
	}
	p := testPolicy(f)
	f.Fuzz(func(t *testing.T, in string) {
		out := p.SafeRedirect(in)
		if msg := checkRedirectInvariant(p, out); msg != "" {
			t.Fatalf("SafeRedirect(%q) = %q, which %s", in, out, msg)
		}
		if again := p.SafeRedirect(out); again != out {
			t.Fatalf("SafeRedirect(%q) = %q, but feeding that back gives %q; want the same value", in, out, again)
		}
	})
}
