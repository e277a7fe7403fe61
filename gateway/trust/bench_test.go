package trust

import "testing"

// SafeRedirect and IsTrusted run on request paths (every sign-in, logout and
// CORS request), so their cost is watched here.

func BenchmarkSafeRedirect(b *testing.B) {
	p := testPolicy(b)
	cases := []struct{ name, in string }{
		{"same-origin path", "/account/settings?tab=2#top"},
		{"trusted absolute URL", "https://example.com/partner/page?x=1"},
		{"hostile encoded", "/%252f%252fevil.com"},
		{"hostile userinfo", "https://example.com@evil.com/"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.SafeRedirect(c.in)
			}
		})
	}
}

func BenchmarkIsTrusted(b *testing.B) {
	p := testPolicy(b)
	cases := []struct{ name, in string }{
		{"serialized trusted origin", testTrusted},
		{"untrusted origin", "https://evil.com"},
		{"trusted origin needing normalization", "HTTPS://Example.com:443"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.IsTrusted(c.in)
			}
		})
	}
}
