package trust

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// NewNonce returns a fresh CSP nonce: 128 random bits in standard base64
// (24 characters, "==" padded, which the CSP nonce-source grammar allows).
// Make one per response and never reuse it.
func NewNonce() string {
	var b [16]byte
	// crypto/rand.Read never returns an error on supported platforms (it
	// crashes the program instead), so there is nothing to handle here.
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// CSP is a Content-Security-Policy made of source lists. An empty list omits
// its directive. Sources are written as CSP spells them: "'self'",
// "'none'", "https://org.my.salesforce.com", "data:".
type CSP struct {
	Default, Script, Style, Img, Connect, Frame, FrameAncestors, Font, Form, Base, Object []string
}

// Header serializes c with the directives always in the same order. A
// non-empty nonce adds 'nonce-<nonce>' to script-src and style-src; when
// either is empty it starts from default-src's sources, as browsers would
// have, so the nonce only ever narrows what default-src allows. A 'none'
// next to the nonce is dropped (the two together are not a valid list).
// Sources that could break out of their directive (containing ";", ",",
// whitespace or control characters) are left out; Validate reports them.
func (c CSP) Header(nonce string) string {
	nonceSrc := ""
	if nonce != "" && validNonce(nonce) {
		nonceSrc = "'nonce-" + nonce + "'"
	}
	withNonce := func(list []string) []string {
		if nonceSrc == "" {
			return list
		}
		if len(list) == 0 {
			list = c.Default
		}
		return append(withoutNone(list), nonceSrc)
	}
	dirs := []struct {
		name string
		list []string
	}{
		{"default-src", c.Default},
		{"script-src", withNonce(c.Script)},
		{"style-src", withNonce(c.Style)},
		{"img-src", c.Img},
		{"font-src", c.Font},
		{"connect-src", c.Connect},
		{"frame-src", c.Frame},
		{"object-src", c.Object},
		{"base-uri", c.Base},
		{"form-action", c.Form},
		{"frame-ancestors", c.FrameAncestors},
	}
	var b strings.Builder
	for _, d := range dirs {
		seen := make(map[string]bool, len(d.list))
		n := 0
		for _, s := range d.list {
			if !validSource(s) || seen[s] {
				continue
			}
			seen[s] = true
			if n == 0 {
				if b.Len() > 0 {
					b.WriteString("; ")
				}
				b.WriteString(d.name)
			}
			b.WriteByte(' ')
			b.WriteString(s)
			n++
		}
	}
	return b.String()
}

// Validate reports the first source that Header would leave out.
func (c CSP) Validate() error {
	lists := []struct {
		name string
		list []string
	}{
		{"default-src", c.Default}, {"script-src", c.Script}, {"style-src", c.Style},
		{"img-src", c.Img}, {"font-src", c.Font}, {"connect-src", c.Connect},
		{"frame-src", c.Frame}, {"object-src", c.Object}, {"base-uri", c.Base},
		{"form-action", c.Form}, {"frame-ancestors", c.FrameAncestors},
	}
	for _, d := range lists {
		for _, s := range d.list {
			if !validSource(s) {
				return fmt.Errorf("trust: CSP %s source %q is empty or contains a separator, whitespace or control character; want one token such as 'self' or https://host", d.name, s)
			}
		}
	}
	return nil
}

func validSource(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == ';' || c == ',' {
			return false
		}
	}
	return true
}

func validNonce(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+/-_=", c) >= 0) {
			return false
		}
	}
	return true
}

func withoutNone(list []string) []string {
	out := make([]string, 0, len(list)+1)
	for _, s := range list {
		if !strings.EqualFold(s, "'none'") {
			out = append(out, s)
		}
	}
	return out
}

// fallbacks lists, per fetch directive, the directives a browser consults
// when it is absent (CSP Level 3 §6.8.3), ending in default-src. Directives
// not listed here (frame-ancestors, form-action, base-uri, …) have no
// fallback: absent means unrestricted.
var fallbacks = map[string][]string{
	"script-src":      {"default-src"},
	"script-src-elem": {"script-src", "default-src"},
	"script-src-attr": {"script-src", "default-src"},
	"style-src":       {"default-src"},
	"style-src-elem":  {"style-src", "default-src"},
	"style-src-attr":  {"style-src", "default-src"},
	"img-src":         {"default-src"},
	"font-src":        {"default-src"},
	"connect-src":     {"default-src"},
	"media-src":       {"default-src"},
	"object-src":      {"default-src"},
	"manifest-src":    {"default-src"},
	"child-src":       {"default-src"},
	"frame-src":       {"child-src", "default-src"},
	"worker-src":      {"child-src", "script-src", "default-src"},
}

// ExtendCSP adds sources to one directive of an upstream's CSP header so the
// gateway's own additions (the org's script and frame origins, a nonce) work
// under the upstream's policy without loosening anything else.
//
// If the directive is present its list is extended ('none' is dropped, since
// it cannot stand next to other sources; a nonce or hash is not added where
// 'unsafe-inline' already allows inline code, because it would switch that
// permission off for the upstream's own inline scripts). If it is absent the browser would
// use a fallback (for frame-src: child-src, then default-src); the directive
// is then added with the fallback's sources plus the new ones, so everything
// else keeps the meaning it had. A policy with neither is left untouched: it
// does not restrict that directive. A header carrying several policies
// (comma-separated) has each extended, since the browser enforces all of them.
// Unchanged policies keep their exact text; changed ones are re-serialized.
func ExtendCSP(header string, directive string, sources ...string) string {
	directive = strings.ToLower(strings.TrimSpace(directive))
	var add []string
	for _, s := range sources {
		if validSource(s) {
			add = append(add, s)
		}
	}
	if directive == "" || len(add) == 0 {
		return header
	}
	policies := strings.Split(header, ",")
	changed := false
	for i, pol := range policies {
		if out, ok := extendPolicy(pol, directive, add); ok {
			policies[i] = out
			changed = true
		}
	}
	if !changed {
		return header
	}
	for i := range policies {
		policies[i] = strings.TrimSpace(policies[i])
	}
	return strings.Join(policies, ", ")
}

type cspDirective struct {
	name    string
	sources []string
}

func extendPolicy(policy, directive string, add []string) (string, bool) {
	var dirs []cspDirective
	index := map[string]int{} // first occurrence wins, as in browsers
	for _, part := range strings.Split(policy, ";") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := index[name]; !dup {
			index[name] = len(dirs)
		}
		dirs = append(dirs, cspDirective{name: f[0], sources: f[1:]})
	}
	if i, ok := index[directive]; ok {
		dirs[i].sources = mergeSources(dirs[i].sources, add)
	} else {
		base := -1
		for _, fb := range fallbacks[directive] {
			if j, ok := index[fb]; ok {
				base = j
				break
			}
		}
		if base < 0 {
			return policy, false
		}
		inherited := append([]string(nil), dirs[base].sources...)
		dirs = append(dirs, cspDirective{name: directive, sources: mergeSources(inherited, add)})
	}
	var b strings.Builder
	for i, d := range dirs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name)
		for _, s := range d.sources {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	return b.String(), true
}

func mergeSources(list, add []string) []string {
	out := withoutNone(list)
	// A nonce or hash disables 'unsafe-inline' in the same list (CSP Level 2
	// and later), which would break every inline script the upstream relies
	// on. Where 'unsafe-inline' already admits inline code and no nonce or
	// hash is in use, the new nonce or hash is not needed and is left out.
	inlineOpen := false
	for _, s := range out {
		if strings.EqualFold(s, "'unsafe-inline'") {
			inlineOpen = true
		}
	}
	for _, s := range out {
		if isNonceOrHash(s) {
			inlineOpen = false
		}
	}
	for _, a := range add {
		if inlineOpen && isNonceOrHash(a) {
			continue
		}
		dup := false
		for _, s := range out {
			if s == a {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

func isNonceOrHash(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "'nonce-") || strings.HasPrefix(l, "'sha256-") ||
		strings.HasPrefix(l, "'sha384-") || strings.HasPrefix(l, "'sha512-")
}
