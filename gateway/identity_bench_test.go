package gateway

import (
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/session"
)

// benchSite is the dev config's site, built as New builds it.
func benchSite(b *testing.B) *site {
	b.Helper()
	cfg := config.Dev("", "")
	cfg.Sites[0].Upstream.URL = "http://127.0.0.1:9"
	cfg.Sites[0].Access = []config.AccessRule{
		{Path: "/app/public/", Access: "public"}, {Path: "/app/", Access: "protected"},
		{Path: "/account", Access: "protected"}, {Path: "/admin/", Access: "protected"},
	}
	cfg.Normalize()
	if err := config.Validate(cfg); err != nil {
		b.Fatal(err)
	}
	g, err := New(cfg, Deps{Store: session.NewMemoryStore(session.MemoryOptions{})})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range g.state.Load().sites {
		return s
	}
	b.Fatal("the dev config built no site")
	return nil
}

// BenchmarkIdentityHeaders is the identity-header set a signed-in request
// carries upstream (the proxy strips incoming copies in BenchmarkStripHeaders).
func BenchmarkIdentityHeaders(b *testing.B) {
	s := benchSite(b)
	rec := &session.Record{Identity: session.Identity{
		UserID: "005Hs00000ABCDEFAA", OrgID: "00DHs000000abcdEAA", Username: "ada@example.com.acme",
		PreferredUsername: "ada@example.com.acme", Email: "ada@example.com", Name: "Ada Lovelace",
	}}
	b.ReportAllocs()
	var id *proxy.Identity
	for b.Loop() {
		id = s.identityFor(rec)
	}
	if len(id.Headers) != 6 {
		b.Fatalf("identity has %d headers, want 6", len(id.Headers))
	}
}

// BenchmarkRouteMatching is the per-request routing work outside gin: the site
// by Host, then the access rules for the path.
func BenchmarkRouteMatching(b *testing.B) {
	s := benchSite(b)
	st := &state{sites: map[string]*site{s.name: s}}
	paths := []string{"/app/orders/42", "/docs/getting-started", "/app/public/logo.png", "/account", "/a/../app/x"}
	want := []proxy.Access{proxy.Protected, proxy.Public, proxy.Public, proxy.Protected, proxy.Protected}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := paths[i%len(paths)]
		if got := st.siteFor("LOCALHOST:8080").rules.Match(p); got != want[i%len(paths)] {
			b.Fatalf("access for %s: got %v, want %v", p, got, want[i%len(paths)])
		}
		i++
	}
}
