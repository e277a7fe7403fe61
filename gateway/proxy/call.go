package proxy

import (
	"net/http"
	"net/http/httputil"
)

// call carries one request through a pooled copy of the Proxy's ReverseProxy
// whose Rewrite and ErrorHandler are bound to the call. That is how a signed-in
// request's identity reaches rewrite without a context value (which would cost
// a copy of the request and a context allocation per request), and how a
// request gets an outgoing header map with room for the headers rewrite adds.
//
// ReverseProxy holds no state of its own and calls Rewrite and ErrorHandler
// synchronously inside ServeHTTP, so a call belongs to one request from
// Serve's Get to its Put.
type call struct {
	p    *Proxy
	rp   httputil.ReverseProxy
	orig *http.Request // the visitor's request
	id   *Identity     // nil for anonymous requests

	// in is orig with a padded header, handed to rp when the header map that
	// ReverseProxy clones from orig would have to grow in rewrite (see pad).
	in  http.Request
	hdr http.Header
}

func newCall(p *Proxy) *call {
	c := &call{p: p, rp: *p.rp, hdr: make(http.Header, maxPaddedHeader)}
	// The method values are allocated here, once per pooled call.
	c.rp.Rewrite = c.rewrite
	c.rp.ErrorHandler = c.handleError
	return c
}

func (c *call) serve(w http.ResponseWriter, r *http.Request, id *Identity, pad bool) {
	c.orig, c.id = r, id
	in := r
	if pad {
		in = c.pad(r)
	}
	c.rp.ServeHTTP(w, in)
	// Not reached when ServeHTTP panics (http.ErrAbortHandler on a broken
	// stream): the call is then dropped instead of reused.
	c.orig, c.id = nil, nil
	if pad {
		c.in = http.Request{}
		clear(c.hdr)
	}
}

func (c *call) rewrite(pr *httputil.ProxyRequest) { c.p.rewriteFor(pr, c.orig, c.id) }

// handleError passes on the request ReverseProxy reports, as the shared
// ReverseProxy does (mostly the outgoing request), except for the padded copy,
// which ReverseProxy reports only for errors found before Rewrite: its
// placeholders are ours, so the visitor's own request goes in its place.
func (c *call) handleError(w http.ResponseWriter, r *http.Request, err error) {
	if r == &c.in {
		r = c.orig
	}
	c.p.handleError(w, r, err)
}

// pad returns a shallow copy of r whose header also holds, with nil values,
// every forwarding and identity key that rewrite may add and r lacks.
// http.Request.Clone sizes the outgoing header map by the incoming one's
// length, so the clone then has room for everything rewrite sets: growing it
// there would allocate a second, larger table and rehash every entry.
//
// The placeholders never reach the upstream: ReverseProxy deletes the
// forwarding keys from its clone before calling Rewrite, and setIdentity
// overwrites every identity key. Readers of the copy's header (ReverseProxy's
// Upgrade and Te checks) see no difference, since a nil value reads as absent.
func (c *call) pad(r *http.Request) *http.Request {
	for k, v := range r.Header {
		c.hdr[k] = v
	}
	for _, k := range forwardingKeys {
		c.placeholder(k)
	}
	if c.id != nil {
		for _, h := range c.id.Headers {
			if h.Name != "" {
				c.placeholder(http.CanonicalHeaderKey(h.Name))
			}
		}
	}
	c.in = *r
	c.in.Header = c.hdr
	return &c.in
}

func (c *call) placeholder(k string) {
	if _, ok := c.hdr[k]; !ok {
		c.hdr[k] = nil
	}
}

// forwardingKeys are the keys forwarded sets.
var forwardingKeys = [forwardedValues]string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"}

// maxPaddedHeader bounds the headers a request may have and still be padded:
// the pooled map keeps its size, and a request with very many headers pays
// for the copy more than for one growth of the map.
const maxPaddedHeader = 48

// headerRoom is how many entries a map made by make(http.Header, n), as
// Header.Clone makes it, holds before it grows. It follows Go's map
// implementation since 1.24: up to 8 entries fit in one group of 8 slots;
// larger maps get a power-of-two number of slots with room for at least
// n*8/7 of them and grow past 7/8 full. Should that change, the cost is only
// a padding that was not needed or a growth that was not avoided.
func headerRoom(n int) int {
	if n <= 8 {
		return 8
	}
	slots := 16
	for slots*7/8 < n {
		slots *= 2
	}
	return slots * 7 / 8
}
