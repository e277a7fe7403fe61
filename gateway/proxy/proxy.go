package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Identity is what the upstream learns about a signed-in visitor: header
// name/value pairs, set after every incoming copy was stripped.
type Identity struct{ Headers []Header }

// Header is one identity header.
type Header struct{ Name, Value string }

// Options configure one site's proxy. Site and Upstream are required.
type Options struct {
	Site                string        // label for metrics
	Upstream            *url.URL      // http or https; a path is prepended to every request path
	Timeout             time.Duration // response header timeout (default 30s)
	DialTimeout         time.Duration // default 5s
	MaxIdleConnsPerHost int           // default 256
	TLSConfig           *tls.Config   // optional, for https upstreams
	StripCookies        []string      // exact cookie names to remove (the session cookie)
	StripCookiePrefixes []string      // cookie name prefixes to remove (flow cookies)
	// StripHeaders are identity header names stripped from every request in
	// every spelling (case, "_" for "-"). It must list every name Identity may
	// set, and the default names even when renamed or disabled (an upstream
	// may still read them); the forwarding headers and TrustHeaders are always
	// stripped.
	StripHeaders   []string
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-* headers are believed
	Inject         *InjectOptions // nil = off
	// ErrorHandler answers when the upstream gives no usable response: status is
	// 504 for timeouts, 502 otherwise. nil writes a bare status page.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, status int, err error)
	Metrics      *Metrics // may be nil
	// WrapTransport, when set, wraps the upstream transport (tracing).
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// EchoedHeaders are answer headers the caller sets itself from the
	// request's own value (the request id). Many upstreams echo such a header
	// back; a copy of the very value the upstream received is dropped from its
	// answer, so the visitor gets the header once. A different value stays.
	EchoedHeaders []string
}

// Proxy forwards one site's requests to its upstream.
type Proxy struct {
	rp        *httputil.ReverseProxy
	transport *http.Transport
	target    *url.URL
	basePath  string // upstream path without trailing slash, "" for none
	baseRaw   string
	headers   *headerStripper
	cookies   *cookieStripper
	trusted   []netip.Prefix
	inject    *injector
	onError   func(w http.ResponseWriter, r *http.Request, status int, err error)
	metrics   *siteMetrics
	echoed    []string // canonical names, see Options.EchoedHeaders
	// signedIn holds *signedInCall values: the signed-in path's own
	// ReverseProxy copies, so the identity reaches rewrite without a context
	// value or a copy of the request.
	signedIn sync.Pool
}

// signedInCall carries one signed-in request's identity from Serve to rewrite.
// Its ReverseProxy is a copy of the Proxy's whose Rewrite is bound to this
// call; ReverseProxy holds no state of its own, and Rewrite runs synchronously
// inside ServeHTTP, so a call is owned by one request from Get to Put.
//
// The call keeps its own copy of the identity headers, so that Serve does not
// keep the caller's Identity: the gateway builds it on its stack.
type signedInCall struct {
	p  *Proxy
	id Identity
	rp httputil.ReverseProxy
	// names remembers the canonical form of the identity header names this
	// call last set: a site sends the same names on every request, so each
	// is canonicalized once per pooled call instead of once per request.
	names [cachedNames]namePair
}

type namePair struct{ name, canonical string }

const cachedNames = 8

func (c *signedInCall) rewrite(pr *httputil.ProxyRequest) { c.p.rewriteFor(pr, c) }

// canonicalName is http.CanonicalHeaderKey(name), from the cache when slot i
// last held the same name.
func (c *signedInCall) canonicalName(i int, name string) string {
	if i >= cachedNames {
		return http.CanonicalHeaderKey(name)
	}
	if n := &c.names[i]; n.name == name {
		return n.canonical
	}
	canonical := http.CanonicalHeaderKey(name)
	c.names[i] = namePair{name, canonical}
	return canonical
}

// checkOptions refuses an upstream the proxy cannot address and trusted
// proxy prefixes that are not valid, each naming the setting to fix.
func checkOptions(opts Options) error {
	u := opts.Upstream
	if u == nil {
		return errors.New("proxy: Upstream is nil, expected an http(s) URL (setting upstream.url)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("proxy: upstream scheme %q is not supported, expected http or https (setting upstream.url)", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("proxy: upstream URL has no host, expected http(s)://host[:port] (setting upstream.url)")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("proxy: upstream URL has user info, a query or a fragment, expected only scheme, host and path (setting upstream.url)")
	}
	if opts.TLSConfig != nil && u.Scheme != "https" {
		return errors.New("proxy: TLS settings given for an http upstream, expected an https URL (setting upstream.url)")
	}
	for _, p := range opts.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("proxy: trusted proxy prefix %v is not valid, expected a CIDR like 10.0.0.0/8", p)
		}
	}
	return nil
}

// newTransport is the upstream's transport: its own connection pool, the
// configured timeouts, no proxy from the environment, no compression.
func newTransport(opts Options) *http.Transport {
	timeout := orDefault(opts.Timeout, 30*time.Second)
	dialTimeout := orDefault(opts.DialTimeout, 5*time.Second)
	idle := opts.MaxIdleConnsPerHost
	if idle <= 0 {
		idle = 256
	}

	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		// The upstream is addressed directly: an HTTP_PROXY meant for the
		// gateway's calls to Salesforce must not capture site traffic.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          idle,
		MaxIdleConnsPerHost:   idle,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   dialTimeout + 5*time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		// Compression is the client's business: the transport must neither add
		// Accept-Encoding nor decode bodies behind our back.
		DisableCompression: true,
		ReadBufferSize:     32 << 10,
		WriteBufferSize:    32 << 10,
	}
	if opts.TLSConfig != nil {
		tr.TLSClientConfig = opts.TLSConfig.Clone()
	}
	return tr
}

// New checks the options and builds the proxy and its transport.
func New(opts Options) (*Proxy, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	u := opts.Upstream
	tr := newTransport(opts)

	p := &Proxy{
		transport: tr,
		target:    u,
		basePath:  strings.TrimSuffix(u.Path, "/"),
		baseRaw:   strings.TrimSuffix(u.EscapedPath(), "/"),
		headers:   newHeaderStripper(opts.StripHeaders),
		cookies:   newCookieStripper(opts.StripCookies, opts.StripCookiePrefixes),
		trusted:   append([]netip.Prefix(nil), opts.TrustedProxies...),
		onError:   opts.ErrorHandler,
		metrics:   opts.Metrics.forSite(opts.Site, u.Host),
	}
	if p.onError == nil {
		p.onError = func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			http.Error(w, http.StatusText(status), status)
		}
	}
	if opts.Inject != nil {
		inj, err := newInjector(opts.Inject, p.metrics)
		if err != nil {
			return nil, err
		}
		p.inject = inj
	}

	var rt http.RoundTripper = tr
	if p.metrics != nil {
		rt = &timedTransport{next: tr, metrics: p.metrics}
	}
	if opts.WrapTransport != nil {
		rt = opts.WrapTransport(rt)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:      p.rewriteAnonymous,
		Transport:    rt,
		BufferPool:   newBufferPool(),
		ErrorHandler: p.handleError,
		ErrorLog:     nil,
	}
	for _, n := range opts.EchoedHeaders {
		p.echoed = append(p.echoed, http.CanonicalHeaderKey(n))
	}
	if p.inject != nil || len(p.echoed) > 0 {
		p.rp.ModifyResponse = p.modifyResponse
	}
	p.signedIn.New = func() any {
		c := &signedInCall{p: p, rp: *p.rp}
		c.rp.Rewrite = c.rewrite // the method value is allocated once per call struct, not per request
		return c
	}
	return p, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ServeHTTP forwards an anonymous request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.Serve(w, r, nil) }

// Serve forwards a request; id, when not nil, becomes the identity headers.
// Neither path copies the request or adds a context value: a signed-in request
// borrows a pooled ReverseProxy whose Rewrite knows its identity. Serve does
// not keep id (it copies the headers), so the caller's may live on its stack.
func (p *Proxy) Serve(w http.ResponseWriter, r *http.Request, id *Identity) {
	if id == nil || len(id.Headers) == 0 {
		p.rp.ServeHTTP(w, r)
		return
	}
	c := p.signedIn.Get().(*signedInCall)
	c.id.Headers = append(c.id.Headers[:0], id.Headers...)
	c.rp.ServeHTTP(w, r)
	// Not deferred: when ServeHTTP panics (http.ErrAbortHandler on a broken
	// stream) the call is simply not reused.
	clear(c.id.Headers) // the pool must not keep a visitor's identity alive
	c.id.Headers = c.id.Headers[:0]
	p.signedIn.Put(c)
}

// Close closes the upstream connections that sit idle.
func (p *Proxy) Close() { p.transport.CloseIdleConnections() }

func (p *Proxy) rewriteAnonymous(pr *httputil.ProxyRequest) { p.rewriteFor(pr, nil) }

// rewriteFor runs after ReverseProxy has removed hop-by-hop headers and the
// canonical forwarding headers from pr.Out; call is nil for anonymous requests.
func (p *Proxy) rewriteFor(pr *httputil.ProxyRequest, call *signedInCall) {
	out := pr.Out
	out.URL.Scheme = p.target.Scheme
	out.URL.Host = p.target.Host
	if p.basePath != "" {
		out.URL.Path = p.basePath + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = p.baseRaw + out.URL.RawPath
		}
	}
	out.Host = "" // the upstream's own host; X-Forwarded-Host carries the visitor's
	if pr.In.Method == http.MethodGet || pr.In.Method == http.MethodHead {
		// A GET or HEAD body has no meaning (RFC 9110 9.3.1), and an upstream
		// that ignores it may read it as the next request on the connection.
		out.Body, out.ContentLength, out.GetBody = nil, 0, nil
		out.Header.Del("Content-Length")
	}

	p.headers.strip(out.Header)
	p.cookies.strip(out.Header)
	// The forwarding and identity values share one backing array: one small
	// allocation per request for all of them. Their keys often do not fit in
	// out.Header, which Request.Clone sized for the incoming header count:
	// then it is moved once into a map of the final size, instead of growing
	// once or twice on the way (see roomFor). Padding the header that
	// ReverseProxy clones was tried and measured instead: filling the padded
	// copy cost 18-25% more CPU per request than the growth.
	n := 0
	if call != nil {
		n = len(call.id.Headers)
	}
	out.Header = roomFor(out.Header, len(pr.In.Header), forwardedValues+n)
	vals := make([]string, forwardedValues+n)
	forwarded(pr.In, out.Header, p.trusted, vals[:forwardedValues:forwardedValues])
	if n > 0 {
		setIdentity(out.Header, call, vals[forwardedValues:])
	}
	if p.inject != nil {
		p.inject.rewriteAcceptEncoding(pr.In, out)
	}
}

// modifyResponse is ReverseProxy's ModifyResponse when the proxy has work on
// the upstream's answer: echoed headers to drop, a tag to inject.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	dropEchoes(resp, p.echoed)
	if p.inject == nil {
		return nil
	}
	return p.inject.modify(resp, p.basePath)
}

// handleError maps transport failures to 502/504 for the callback; a visitor
// who left gets nothing, and is counted apart so that it does not look like an
// upstream failure.
func (p *Proxy) handleError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		p.metrics.upstreamError("canceled")
		return
	}
	status, reason := classify(err)
	p.metrics.upstreamError(reason)
	p.onError(w, r, status, err)
}

func classify(err error) (status int, reason string) {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return http.StatusGatewayTimeout, "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return http.StatusBadGateway, "refused"
	}
	return http.StatusBadGateway, "other"
}

// bufferPool hands ReverseProxy its copy buffers. A buffered channel, unlike
// sync.Pool, stores a []byte without boxing it, so Get/Put do not allocate.
type bufferPool struct{ free chan []byte }

const copyBufferSize = 32 << 10

func newBufferPool() *bufferPool { return &bufferPool{free: make(chan []byte, 256)} }

func (b *bufferPool) Get() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
		return make([]byte, copyBufferSize)
	}
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) != copyBufferSize {
		return
	}
	select {
	case b.free <- buf[:copyBufferSize]:
	default:
	}
}
