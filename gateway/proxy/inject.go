package proxy

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// InjectOptions turn on injection of the launcher tag into upstream HTML.
type InjectOptions struct {
	Paths     []string                              // cleaned path prefixes; empty = all
	Tag       func(nonce string) []byte             // the HTML inserted before </body>
	ExtendCSP func(csp string, nonce string) string // extends an upstream CSP value so the tag runs
	NewNonce  func() string                         // nil: 16 random bytes, base64
	MaxBytes  int                                   // largest HTML body rewritten (decoded and encoded); 0 = 8 MiB
}

const defaultInjectMax = 8 << 20

type injector struct {
	paths     []string
	tag       func(string) []byte
	extendCSP func(string, string) string
	newNonce  func() string
	max       int
	metrics   *siteMetrics
	gzips     sync.Pool
}

func newInjector(o *InjectOptions, m *siteMetrics) (*injector, error) {
	if o.Tag == nil {
		return nil, errors.New("proxy: Inject.Tag is nil, expected a func returning the launcher tag")
	}
	if o.ExtendCSP == nil {
		return nil, errors.New("proxy: Inject.ExtendCSP is nil, expected a func that adds the nonce and the tag's sources to an upstream CSP")
	}
	in := &injector{tag: o.Tag, extendCSP: o.ExtendCSP, newNonce: o.NewNonce, max: o.MaxBytes, metrics: m}
	if in.newNonce == nil {
		in.newNonce = randomNonce
	}
	if in.max <= 0 {
		in.max = defaultInjectMax
	}
	for i, p := range o.Paths {
		c, ok := CleanPath(p)
		if !ok || strings.ContainsAny(p, "%?#") {
			return nil, fmt.Errorf("proxy: inject path %d %q is not valid, expected an absolute decoded path prefix like \"/\" or \"/docs/\" (setting inject.paths[%d])", i, p, i)
		}
		in.paths = append(in.paths, c)
	}
	return in, nil
}

func randomNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b[:])
}

// applies reports whether the (raw) request path is one injection covers.
func (in *injector) applies(rawPath string) bool {
	if len(in.paths) == 0 {
		return true
	}
	c, ok := CleanPath(rawPath)
	if !ok {
		return false
	}
	for _, p := range in.paths {
		if matches(p, c, false) {
			return true
		}
	}
	return false
}

// rewriteAcceptEncoding asks the upstream, on injectable GET paths, only for
// gzip (which we can decode) or identity, so br or zstd never arrive on a page
// we want to rewrite.
func (in *injector) rewriteAcceptEncoding(r *http.Request, out *http.Request) {
	if r.Method != http.MethodGet || !in.applies(r.URL.EscapedPath()) {
		return
	}
	if acceptsGzip(r.Header["Accept-Encoding"]) {
		out.Header["Accept-Encoding"] = gzipOnly
	} else {
		delete(out.Header, "Accept-Encoding")
	}
}

var gzipOnly = []string{"gzip"}

func acceptsGzip(vals []string) bool {
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			name, q, found := strings.Cut(strings.TrimSpace(params), "=")
			if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
				return true
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err == nil && f > 0
		}
	}
	return false
}

// modify rewrites a 200 text/html response on an injectable path; every other
// response passes untouched and keeps streaming.
func (in *injector) modify(resp *http.Response, basePath string) error {
	if resp.StatusCode == http.StatusOK && resp.Request != nil && resp.Request.Method == http.MethodHead &&
		isHTML(resp.Header.Get("Content-Type")) && in.applies(strings.TrimPrefix(resp.Request.URL.EscapedPath(), basePath)) {
		// A GET of this page would carry the tag: the upstream's length and
		// validators describe a different body, so a HEAD must not promise them.
		for _, k := range []string{"Content-Length", "Etag", "Content-Md5", "Accept-Ranges"} {
			delete(resp.Header, k)
		}
		resp.ContentLength = -1
		return nil
	}
	if resp.StatusCode != http.StatusOK || resp.Request == nil || resp.Request.Method != http.MethodGet {
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	if !isHTML(ct) {
		return nil
	}
	raw := strings.TrimPrefix(resp.Request.URL.EscapedPath(), basePath)
	if !in.applies(raw) {
		return nil
	}
	if containsFold(ct, "utf-16") || containsFold(ct, "utf-32") {
		in.metrics.injected("skipped_charset")
		return nil
	}
	enc := strings.TrimSpace(resp.Header.Get("Content-Encoding"))
	gz := strings.EqualFold(enc, "gzip") || strings.EqualFold(enc, "x-gzip")
	if !gz && enc != "" && !strings.EqualFold(enc, "identity") {
		in.metrics.injected("skipped_encoding")
		return nil
	}

	// Read at most max+1 bytes: more means the page is too large to hold, and
	// it is sent on untouched from what we read plus the rest of the stream.
	body, err := readAtMost(resp.Body, in.max)
	if err != nil {
		return fmt.Errorf("proxy: reading upstream HTML: %w", err)
	}
	if len(body) > in.max {
		in.metrics.injected("skipped_too_large")
		resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(body), resp.Body), closer: resp.Body}
		return nil
	}
	_ = resp.Body.Close()
	html := body
	if gz {
		decoded, ok := in.gunzip(body)
		if !ok {
			// Not decodable within bounds: the complete original goes on untouched.
			in.metrics.injected("skipped_too_large")
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return nil
		}
		html = decoded
	}

	nonce := in.newNonce()
	tag := in.tag(nonce)
	outBody := insertBeforeBodyEnd(html, tag)
	resp.Body = io.NopCloser(bytes.NewReader(outBody))
	resp.ContentLength = int64(len(outBody))
	resp.TransferEncoding = nil
	h := resp.Header
	h["Content-Length"] = []string{strconv.Itoa(len(outBody))}
	delete(h, "Content-Encoding")
	delete(h, "Etag")
	delete(h, "Content-Md5")
	delete(h, "Accept-Ranges")
	for _, name := range [...]string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		vals := h[name]
		for i, v := range vals {
			vals[i] = in.extendCSP(v, nonce)
		}
	}
	in.metrics.injected("injected")
	return nil
}

func (in *injector) gunzip(b []byte) ([]byte, bool) {
	zr, _ := in.gzips.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		err = zr.Reset(bytes.NewReader(b))
	}
	if err != nil {
		return nil, false
	}
	defer in.gzips.Put(zr)
	out, err := readAtMost(zr, in.max)
	if err != nil || len(out) > in.max {
		return nil, false
	}
	return out, true
}

// readAtMost reads until EOF or max+1 bytes, whichever comes first.
func readAtMost(r io.Reader, max int) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(io.LimitReader(r, int64(max)+1))
	return buf.Bytes(), err
}

// insertBeforeBodyEnd puts tag before the last "</body" (any case), or at the
// end when the page has none.
func insertBeforeBodyEnd(html, tag []byte) []byte {
	at := lastBodyEnd(html)
	if at < 0 {
		at = len(html)
	}
	out := make([]byte, 0, len(html)+len(tag))
	out = append(out, html[:at]...)
	out = append(out, tag...)
	return append(out, html[at:]...)
}

func lastBodyEnd(html []byte) int {
	const end = "</body"
	for i := bytes.LastIndexByte(html, '<'); i >= 0; i = bytes.LastIndexByte(html[:i], '<') {
		if len(html)-i < len(end) || !bytes.EqualFold(html[i:i+len(end)], []byte(end)) {
			continue
		}
		if j := i + len(end); j == len(html) || html[j] == '>' || html[j] == ' ' || html[j] == '\t' || html[j] == '\n' || html[j] == '\r' || html[j] == '/' {
			return i
		}
	}
	return -1
}

func isHTML(ct string) bool {
	ct = strings.TrimSpace(ct)
	const html = "text/html"
	if len(ct) < len(html) || !strings.EqualFold(ct[:len(html)], html) {
		return false
	}
	return len(ct) == len(html) || ct[len(html)] == ';' || ct[len(html)] == ' '
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// replayBody sends what was already read, then the rest of the stream, and
// closes the original.
type replayBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayBody) Close() error { return b.closer.Close() }
