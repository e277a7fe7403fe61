package proxy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// judgeLinear is judge as it was before the index: every rule in order.
func judgeLinear(r *Rules, p string) Access {
	a := r.def
	for i := range r.rules {
		if matches(r.rules[i].path, p, false) {
			a = r.rules[i].access
			break
		}
	}
	if a == Protected || !r.foldAlways && lowerASCII(p) {
		return a
	}
	for i := range r.rules {
		if matches(r.rules[i].path, p, true) {
			return r.rules[i].access
		}
	}
	return r.def
}

// indexSegments are the pieces random rules and paths are made of: shared
// prefixes, case variants, the runes that fold to ASCII (Kelvin sign, long s),
// other non-ASCII letters, U+FFFD and invalid UTF-8.
var indexSegments = []string{
	"a", "A", "ab", "app", "App", "APP", "apps", "private", "Private", "k", "K", "\u212a", "s", "S", "\u017f",
	"\u212aey", "key", "KEY", "\u017fecret", "secret", "é", "É", "ß", "ẞ", "\ufffd", "\xff", "\xc3", "x.y", "-", "",
}

func randomRulePath(rng *rand.Rand) string {
	n := 1 + rng.IntN(3)
	if rng.IntN(20) == 0 {
		return "/"
	}
	var b strings.Builder
	for range n {
		seg := indexSegments[rng.IntN(len(indexSegments))]
		if seg == "" || !utf8.ValidString(seg) {
			seg = "z"
		}
		b.WriteString("/" + seg)
	}
	if rng.IntN(3) == 0 {
		b.WriteString("/")
	}
	return b.String()
}

func randomPath(rng *rand.Rand) string {
	n := rng.IntN(5)
	var b strings.Builder
	if rng.IntN(15) == 0 {
		b.WriteString("x") // not absolute
	}
	for range n {
		b.WriteString("/" + indexSegments[rng.IntN(len(indexSegments))])
	}
	if n == 0 || rng.IntN(4) == 0 {
		b.WriteString("/")
	}
	return b.String()
}

func TestIndexedJudgeEqualsLinearJudge(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	for set := range 3000 {
		rules := make([]Rule, rng.IntN(12))
		for i := range rules {
			rules[i] = Rule{Path: randomRulePath(rng), Access: Access(rng.IntN(2))}
		}
		r, err := NewRules(rules, Access(rng.IntN(2)))
		if err != nil {
			t.Fatalf("NewRules(%q): %v", rules, err)
		}
		r.index = newRuleIndex(r.rules, 0) // index even the few rules of a random set
		for range 60 {
			p := randomPath(rng)
			if got, want := r.judge(p), judgeLinear(r, p); got != want {
				t.Fatalf("rule set %d %v: judge(%q) = %v, the linear judge says %v", set, rules, p, got, want)
			}
			if c, ok := CleanPath(p); ok {
				if got, want := r.judge(c), judgeLinear(r, c); got != want {
					t.Fatalf("rule set %d %v: judge(%q) = %v, the linear judge says %v", set, rules, c, got, want)
				}
			}
		}
	}
}

func TestIndexKeepsFirstMatchOrder(t *testing.T) {
	r, err := NewRules([]Rule{
		{Path: "/app/open", Access: Public},
		{Path: "/", Access: Protected},
		{Path: "/app/", Access: Public}, // after "/": never the first match
		{Path: "/docs", Access: Public},
	}, Public)
	if err != nil {
		t.Fatal(err)
	}
	r.index = newRuleIndex(r.rules, 0)
	for p, want := range map[string]Access{
		"/app/open/x": Public, "/app/other": Protected, "/docs": Protected, "/": Protected, "/zzz": Protected,
		"/APP/OPEN": Protected, // the folded pass meets "/" before "/app/"
	} {
		if got := r.Match(p); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestFoldRuneIsTheSameAcrossAnOrbit(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := foldRune(r)
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if got := foldRune(f); got != want {
				t.Fatalf("foldRune(%U) = %U but foldRune(%U) = %U; they fold together", r, want, f, got)
			}
		}
		if 'a' <= r && r <= 'z' && want != r {
			t.Fatalf("foldRune(%q) = %q, want the letter itself", r, want)
		}
	}
}

func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2))
	for range 20000 {
		a := indexSegments[rng.IntN(len(indexSegments))] + indexSegments[rng.IntN(len(indexSegments))]
		b := indexSegments[rng.IntN(len(indexSegments))] + indexSegments[rng.IntN(len(indexSegments))]
		ka, kb := string(appendFoldKey(nil, a)), string(appendFoldKey(nil, b))
		if strings.EqualFold(a, b) && ka != kb {
			t.Fatalf("EqualFold(%q, %q) but their keys differ: %q, %q", a, b, ka, kb)
		}
	}
}

// BenchmarkRulesMatchManyRules is BenchmarkRulesMatch with 200 more rules
// before the site's own: with the index it should cost about the same.
func BenchmarkRulesMatchManyRules(b *testing.B) {
	var rules []Rule
	for i := range 200 {
		rules = append(rules, Rule{Path: "/section" + strings.Repeat("x", i%7) + "/" + string(rune('a'+i%26)) + "/", Access: Public})
	}
	rules = append(rules, []Rule{
		{Path: "/__lo/", Access: Public},
		{Path: "/static/", Access: Public},
		{Path: "/assets/", Access: Public},
		{Path: "/private/help", Access: Public},
		{Path: "/private/", Access: Protected},
		{Path: "/account", Access: Protected},
		{Path: "/admin/", Access: Protected},
	}...)
	r, err := NewRules(rules, Public)
	if err != nil {
		b.Fatal(err)
	}
	paths := []string{"/static/app.js", "/private/orders/42", "/docs/getting-started", "/account?tab=profile"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Match(paths[i%len(paths)])
	}
}
