package proxy

import (
	"net/http"
	"net/netip"
	"strings"
)

// maxHeaderName bounds the names the strip set can hold; longer request header
// names cannot be in the set and are skipped without normalizing.
const maxHeaderName = 64

// forwardingHeaders are always stripped in every spelling: ReverseProxy removes
// only the canonical keys, and an upstream that folds "_" into "-" would read
// X_Forwarded_For as the real thing.
var forwardingHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

// TrustHeaders are request headers that upstream stacks believe because a
// proxy in front is supposed to set them: path overrides (X-Original-URL and
// X-Rewrite-URL on IIS and older PHP frameworks), client address and scheme
// hints, and the identity headers of other auth proxies (oauth2-proxy,
// Authelia, Apache's Remote-User). The gateway sets none of them, so a copy
// can only come from the visitor; they are stripped from every request in
// every spelling, as the API relay drops them too.
var TrustHeaders = []string{
	"X-Original-URL", "X-Original-URI", "X-Original-Method", "X-Rewrite-URL", "X-Forwarded-Uri", "X-Forwarded-Method",
	"X-Real-IP", "X-Client-IP", "True-Client-IP", "X-Cluster-Client-IP", "X-Forwarded-Client-Cert",
	"X-Forwarded-Prefix", "X-Forwarded-Port", "X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Server", "X-Url-Scheme", "Front-End-Https",
	"X-Forwarded-Groups", "X-Forwarded-Access-Token", "X-Auth-Request-User", "X-Auth-Request-Email",
	"X-Auth-Request-Preferred-Username", "X-Auth-Request-Groups", "X-Auth-Request-Access-Token",
	"Remote-User", "Remote-Email", "Remote-Groups", "Remote-Name", "X-Remote-User", "X-Remote-Email", "X-Authenticated-User",
}

// headerStripper removes request headers by normalized name (lower case, "_"
// read as "-"), so X_Forwarded_User, x-forwarded-user and X-FORWARDED-USER are
// one name. It is built once; strip does not allocate.
type headerStripper struct {
	names   map[string]struct{}
	lengths uint64 // bit n set when some name has length n; most keys fail this test
	// firsts has bit c set when some name may start with byte c in a request
	// (either case, "_" for "-"): Accept-Language and Accept-Encoding have the
	// length of X-Forwarded-For but fail here without being normalized.
	firsts [4]uint64
}

func (s *headerStripper) addFirst(c byte) { s.firsts[c>>6] |= 1 << (c & 63) }

func (s *headerStripper) mayStartWith(c byte) bool { return s.firsts[c>>6]&(1<<(c&63)) != 0 }

func newHeaderStripper(names []string) *headerStripper {
	s := &headerStripper{names: make(map[string]struct{}, len(names)+len(forwardingHeaders)+len(TrustHeaders))}
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" || len(n) >= maxHeaderName {
			return
		}
		var buf [maxHeaderName]byte
		norm := normalizeName(buf[:0], n)
		s.names[string(norm)] = struct{}{}
		s.lengths |= 1 << uint(len(n))
		switch c := norm[0]; {
		case 'a' <= c && c <= 'z':
			s.addFirst(c)
			s.addFirst(c - 'a' + 'A')
		case c == '-':
			s.addFirst('-')
			s.addFirst('_')
		default:
			s.addFirst(c)
		}
	}
	for _, n := range forwardingHeaders {
		add(n)
	}
	for _, n := range TrustHeaders {
		add(n)
	}
	for _, n := range names {
		add(n)
	}
	return s
}

func normalizeName(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		dst = append(dst, c)
	}
	return dst
}

// strip deletes every header whose normalized name is in the set.
func (s *headerStripper) strip(h http.Header) {
	var buf [maxHeaderName]byte
	for k := range h {
		// Names are never empty, so bit 0 is clear and k[0] exists below.
		if len(k) >= maxHeaderName || s.lengths&(1<<uint(len(k))) == 0 || !s.mayStartWith(k[0]) {
			continue
		}
		// The string(bytes) conversion in a map index does not allocate.
		if _, ok := s.names[string(normalizeName(buf[:0], k))]; ok {
			delete(h, k)
		}
	}
}

// cookieStripper removes the gateway's own cookies (session, flow cookies) from
// the Cookie header. The header is rewritten only when it mentions one of those
// names; otherwise it passes untouched and nothing is allocated.
type cookieStripper struct {
	names    []string
	prefixes []string
}

func newCookieStripper(names, prefixes []string) *cookieStripper {
	c := &cookieStripper{}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			c.names = append(c.names, n)
		}
	}
	for _, p := range prefixes {
		if p = strings.TrimSpace(p); p != "" {
			c.prefixes = append(c.prefixes, p)
		}
	}
	return c
}

func (c *cookieStripper) empty() bool { return len(c.names) == 0 && len(c.prefixes) == 0 }

// mentions reports whether s contains any gateway cookie name or prefix
// anywhere. False positives only cost the slow path; there are no false
// negatives because cookie names travel unencoded.
func (c *cookieStripper) mentions(s string) bool {
	for _, n := range c.names {
		if strings.Contains(s, n) {
			return true
		}
	}
	for _, p := range c.prefixes {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (c *cookieStripper) isGateway(name string) bool {
	for _, n := range c.names {
		if name == n {
			return true
		}
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (c *cookieStripper) strip(h http.Header) {
	if c.empty() {
		return
	}
	vals := h["Cookie"]
	hit := false
	for _, v := range vals {
		if c.mentions(v) {
			hit = true
			break
		}
	}
	if !hit {
		return
	}
	size := 0
	for _, v := range vals {
		size += len(v)
	}
	var b strings.Builder
	for _, v := range vals {
		for pair := range strings.SplitSeq(v, ";") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			name = strings.TrimSpace(name)
			// A value that itself mentions a gateway cookie (for instance
			// "a=b, __Host-s=x", which some upstream parsers split on the
			// comma) is dropped too: it is never a legitimate value.
			if c.isGateway(name) || c.mentionsAssignment(value) {
				continue
			}
			if b.Len() > 0 {
				b.WriteString("; ")
			} else {
				b.Grow(size) // once, to about the size of what came
			}
			b.WriteString(pair)
		}
	}
	if b.Len() == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{b.String()}
}

// mentionsAssignment reports whether a cookie value carries a smuggled gateway
// cookie after a comma ("a=b, __Host-s=x"), the RFC 2109 separator that some
// upstream parsers still honour.
func (c *cookieStripper) mentionsAssignment(v string) bool {
	for {
		i := strings.IndexByte(v, ',')
		if i < 0 {
			return false
		}
		v = v[i+1:]
		name, _, found := strings.Cut(strings.TrimLeft(v, " \t"), "=")
		if found && c.isGateway(strings.TrimSpace(name)) {
			return true
		}
	}
}

// peerHost returns the host part of a RemoteAddr ("1.2.3.4:5", "[::1]:5")
// without allocating.
func peerHost(remoteAddr string) (string, bool) {
	i := strings.LastIndexByte(remoteAddr, ':')
	if i <= 0 {
		return "", false
	}
	host := remoteAddr[:i]
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host, host != ""
}

// forwardedValues is how many header values forwarded may set.
const forwardedValues = 3

// forwarded sets X-Forwarded-For/-Proto/-Host on out. A peer inside one of the
// trusted prefixes is a proxy we believe: its chain is extended and its proto
// and host kept. Anyone else's forwarding headers are replaced. The values go
// into vals (len forwardedValues, capacity limited to it), which the caller
// allocates together with the identity values; a trusted peer's chain costs
// one more allocation for the joined string.
func forwarded(in *http.Request, out http.Header, trusted []netip.Prefix, vals []string) {
	host, ok := peerHost(in.RemoteAddr)
	peerTrusted := ok && PeerTrusted(in.RemoteAddr, trusted)

	proto := "http"
	if in.TLS != nil {
		proto = "https"
	}
	fhost := in.Host
	xff := host
	if peerTrusted {
		// The server stores header keys canonically, so indexing with the
		// canonical name finds what Header.Get would, without canonicalizing
		// the name again.
		if prior := in.Header["X-Forwarded-For"]; len(prior) > 0 {
			xff = appendChain(prior, host)
		}
		if p := firstValue(in.Header["X-Forwarded-Proto"]); strings.EqualFold(p, "https") {
			proto = "https"
		} else if strings.EqualFold(p, "http") {
			proto = "http"
		}
		if h := firstValue(in.Header["X-Forwarded-Host"]); h != "" {
			fhost = h
		}
	}

	if ok {
		vals[0] = xff
		out["X-Forwarded-For"] = vals[0:1:1]
	}
	vals[1] = proto
	out["X-Forwarded-Proto"] = vals[1:2:2]
	if fhost != "" {
		vals[2] = fhost
		out["X-Forwarded-Host"] = vals[2:3:3]
	}
}

// appendChain returns the prior X-Forwarded-For values and host joined by
// ", ", as strings.Join(prior, ", ")+", "+host would, in one allocation.
func appendChain(prior []string, host string) string {
	n := len(host)
	for _, v := range prior {
		n += len(v) + len(", ")
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range prior {
		b.WriteString(v)
		b.WriteString(", ")
	}
	b.WriteString(host)
	return b.String()
}

func firstValue(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

// setIdentity sets the identity headers of a signed-in visitor; vals (at least
// len(call.id.Headers) long) is the backing array for their values.
func setIdentity(out http.Header, call *signedInCall, vals []string) {
	for i, h := range call.id.Headers {
		if h.Name == "" {
			continue
		}
		vals[i] = h.Value
		out[call.canonicalName(i, h.Name)] = vals[i : i+1 : i+1]
	}
}

// roomFor returns h, or a copy of h in a map made for len(h)+more keys when
// adding more would make h grow twice. h was made by Header.Clone with a hint
// of hint keys. A small request header grows twice for a signed-in visitor:
// from one group to 16 slots when the forwarding headers go in, then to 32 for
// the identity headers; one copy into a map of the final size is cheaper than
// the two. One growth is cheaper than a copy (measured: a fresh map allocates
// its directory and table again), so then h is kept. Values are shared.
func roomFor(h http.Header, hint, more int) http.Header {
	// ReverseProxy sets an empty User-Agent after Rewrite when there is none.
	if _, ok := h["User-Agent"]; !ok {
		more++
	}
	room := mapRoom(hint)
	if hint <= 8 {
		room = mapRoom(9) // after the first growth: a table of 16 slots
	} else {
		room *= 2
	}
	if len(h)+more <= room {
		return h
	}
	out := make(http.Header, len(h)+more)
	for k, v := range h {
		out[k] = v
	}
	return out
}

// mapRoom is how many keys a map made with make(m, hint) takes before it
// grows, in Go's Swiss-table maps: one group of 8 slots up to hint 8, else a table of hint*8/7 slots rounded up to a power of two, filled to
// 7/8. A runtime that sizes maps otherwise only makes roomFor copy when it
// need not, or not copy when it should.
func mapRoom(hint int) int {
	if hint <= 8 {
		return 8
	}
	slots := 16
	for slots < hint*8/7 {
		slots *= 2
	}
	return slots * 7 / 8
}

// dropEchoes removes from the upstream's answer each value of the named
// headers that equals the one value the upstream was sent: the caller sets
// that header on the answer itself. Other values stay.
func dropEchoes(resp *http.Response, names []string) {
	if resp.Request == nil {
		return
	}
	for _, name := range names {
		got := resp.Header[name]
		sent := resp.Request.Header[name]
		if len(got) == 0 || len(sent) != 1 {
			continue
		}
		kept := got[:0:0]
		for _, v := range got {
			if v != sent[0] {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			delete(resp.Header, name)
		} else {
			resp.Header[name] = kept
		}
	}
}
