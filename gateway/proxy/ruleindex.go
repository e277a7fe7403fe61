package proxy

import (
	"unicode"
	"unicode/utf8"
)

// ruleIndex lets judge try only the rules that can match a path, so that a
// site with hundreds of rules costs a request about what a site with two does.
//
// A rule other than "/" matches only paths whose first segment equals the
// rule's own first segment: byte for byte in the exact pass, and under
// strings.EqualFold in the folded pass ("/" folds only to itself, so the
// segments line up rune by rune). The rules are therefore grouped by first
// segment, and each group keeps the config order with the "/" rules merged in
// at their places: the first match in a group is the first match of the whole
// list. A path whose first segment has no group can only match a "/" rule.
//
// Up to linearRules rules are simply all tried: hashing the segment costs
// more than comparing a few prefixes.
type ruleIndex struct {
	all    []rule            // set when the rules are few: try them all
	exact  map[string][]rule // by first segment
	folded map[string][]rule // by foldKey of the first segment
	root   []rule            // the "/" rules, for every other path
}

// linearRules is how many rules judge tries in turn before it indexes them.
const linearRules = 8

// newRuleIndex indexes rules, or keeps them as a list when there are at most
// linearUpTo.
func newRuleIndex(rules []rule, linearUpTo int) ruleIndex {
	if len(rules) <= linearUpTo {
		return ruleIndex{all: rules}
	}
	ix := ruleIndex{exact: map[string][]rule{}, folded: map[string][]rule{}}
	add := func(m map[string][]rule, key string, r rule) {
		g, ok := m[key]
		if !ok {
			g = append([]rule(nil), ix.root...)
		}
		m[key] = append(g, r)
	}
	for _, r := range rules {
		if r.path == "/" {
			// "/" matches every path: it ends every group, and no later
			// rule can ever be the first match.
			ix.root = append(ix.root, r)
			for k, g := range ix.exact {
				ix.exact[k] = append(g, r)
			}
			for k, g := range ix.folded {
				ix.folded[k] = append(g, r)
			}
			break
		}
		seg, _ := firstSegment(r.path)
		add(ix.exact, seg, r)
		var buf [foldKeyBuffer]byte
		add(ix.folded, string(appendFoldKey(buf[:0], seg)), r)
	}
	return ix
}

// candidates returns, in config order, the rules that may match p: a superset
// of those that do.
func (ix *ruleIndex) candidates(p string, fold bool) []rule {
	if ix.exact == nil {
		return ix.all
	}
	seg, ok := firstSegment(p)
	if !ok {
		return ix.root
	}
	var g []rule
	if fold {
		var buf [foldKeyBuffer]byte
		// The string(bytes) conversion in a map index does not allocate.
		g, ok = ix.folded[string(appendFoldKey(buf[:0], seg))]
	} else {
		g, ok = ix.exact[seg]
	}
	if !ok {
		return ix.root
	}
	return g
}

// foldKeyBuffer holds the fold key of a usual first segment on the stack.
const foldKeyBuffer = 64

// firstSegment returns the first segment of an absolute path ("a" for "/a"
// and "/a/b"); ok is false when there is none ("/", "//a", a relative path),
// and then only a "/" rule can match.
func firstSegment(p string) (string, bool) {
	if len(p) < 2 || p[0] != '/' {
		return "", false
	}
	p = p[1:]
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			p = p[:i]
			break
		}
	}
	return p, p != ""
}

// appendFoldKey appends a spelling of s that is the same for every s' with
// strings.EqualFold(s, s'): each rune becomes foldRune of it, and invalid
// UTF-8 becomes U+FFFD as EqualFold reads it. A segment of lower-case ASCII
// is its own key.
func appendFoldKey(dst []byte, s string) []byte {
	if lowerASCII(s) {
		return append(dst, s...)
	}
	for _, r := range s {
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	return dst
}

// foldRune picks one member of r's case-folding orbit (the runes
// unicode.SimpleFold cycles through, which EqualFold treats as equal): the
// least of their lower cases. It is the same for every rune of an orbit, and
// a lower-case ASCII letter is its own.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r != 'k' && r != 's' {
			return r // no other rune folds to an ASCII rune but K and S
		}
	}
	least := unicode.ToLower(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, unicode.ToLower(f))
	}
	return least
}
