package proxy

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

const page = `<!doctype html><html><body><p>hello</p><script>var s="</body>"</script></BODY></html>`

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = io.WriteString(w, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// injectSite is an upstream with a gzip page, a plain page, JSON, a 404 page,
// a br page and a large page, behind a proxy that injects on /app/.
func injectSite(t *testing.T, max int) (*httptest.Server, *Metrics, *sync.Map) {
	t.Helper()
	var acceptEnc sync.Map // path -> Accept-Encoding the upstream got
	big := "<html><body>" + strings.Repeat("x", 4096) + "</body></html>"
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acceptEnc.Store(r.URL.Path, r.Header.Get("Accept-Encoding"))
		h := w.Header()
		switch strings.TrimPrefix(r.URL.Path, "/app") {
		case "/gzip":
			body := gz(t, page)
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			h.Set("Content-Security-Policy", "script-src 'self'")
			h.Set("ETag", `"abc"`)
			h.Set("Content-MD5", "x")
			_, _ = w.Write(body)
		case "/plain":
			h.Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<p>no body tag</p>")
		case "/json":
			h.Set("Content-Type", "application/json")
			h.Set("ETag", `"j"`)
			_, _ = io.WriteString(w, `{"html":"</body>"}`)
		case "/missing":
			h.Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "<html><body>not found</body></html>")
		case "/br":
			h.Set("Content-Type", "text/html")
			h.Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "pretend-brotli")
		case "/big":
			h.Set("Content-Type", "text/html")
			h.Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = io.WriteString(w, big)
		}
	}))
	t.Cleanup(up.Close)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	p := newProxy(t, Options{
		Upstream: mustURL(t, up.URL),
		Metrics:  m,
		Inject: &InjectOptions{
			Paths: []string{"/app/"},
			Tag: func(nonce string) []byte {
				return []byte(`<script nonce="` + nonce + `" src="/__lo/static/launcher.js"></script>`)
			},
			ExtendCSP: func(csp, nonce string) string { return csp + " 'nonce-" + nonce + "'" },
			NewNonce:  func() string { return "N0NCE" },
			MaxBytes:  max,
		},
	})
	return front(t, p, nil), m, &acceptEnc
}

const tag = `<script nonce="N0NCE" src="/__lo/static/launcher.js"></script>`

func TestInjection(t *testing.T) {
	fs, m, acceptEnc := injectSite(t, 1024)
	get := func(t *testing.T, path, acceptEncoding string) (*http.Response, string) {
		req := mustGet(t, fs.URL+path)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		return do(t, req)
	}

	t.Run("a gzip page gets the tag before the last </body>, as identity with the right length", func(t *testing.T) {
		resp, body := get(t, "/app/gzip", "gzip, deflate, br")
		want := strings.Replace(page, "</BODY>", tag+"</BODY>", 1)
		if body != want {
			t.Errorf("body = %q, want %q", body, want)
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length = %q, want %d", got, len(body))
		}
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q, want none", got)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != "script-src 'self' 'nonce-N0NCE'" {
			t.Errorf("Content-Security-Policy = %q, want the upstream's extended with the nonce", got)
		}
		if resp.Header.Get("ETag") != "" || resp.Header.Get("Content-MD5") != "" {
			t.Errorf("ETag %q Content-MD5 %q survived a modified body, want both dropped", resp.Header.Get("ETag"), resp.Header.Get("Content-MD5"))
		}
		if got, _ := acceptEnc.Load("/app/gzip"); got != "gzip" {
			t.Errorf("upstream was asked for Accept-Encoding %q, want gzip only", got)
		}
	})

	t.Run("a HEAD of an injectable page promises no length or validators of the unmodified body", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodHead, fs.URL+"/app/gzip", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HEAD status %d, want 200", resp.StatusCode)
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" {
			t.Errorf("HEAD Content-Length = %q, want none (a GET's body carries the tag)", cl)
		}
		if resp.Header.Get("ETag") != "" || resp.Header.Get("Content-MD5") != "" {
			t.Errorf("HEAD kept ETag %q / Content-MD5 %q of the unmodified body", resp.Header.Get("ETag"), resp.Header.Get("Content-MD5"))
		}
	})

	t.Run("a page without </body> gets the tag at the end", func(t *testing.T) {
		_, body := get(t, "/app/plain", "")
		if body != "<p>no body tag</p>"+tag {
			t.Errorf("body = %q, want the tag appended", body)
		}
		if got, _ := acceptEnc.Load("/app/plain"); got != "" {
			t.Errorf("upstream was asked for Accept-Encoding %q for a visitor who accepts none, want none", got)
		}
	})

	t.Run("JSON on an injectable path is untouched", func(t *testing.T) {
		resp, body := get(t, "/app/json", "gzip")
		if body != `{"html":"</body>"}` || resp.Header.Get("ETag") != `"j"` {
			t.Errorf("got body %q ETag %q, want the upstream's untouched", body, resp.Header.Get("ETag"))
		}
	})

	t.Run("a 404 HTML page is untouched", func(t *testing.T) {
		resp, body := get(t, "/app/missing", "")
		if resp.StatusCode != 404 || body != "<html><body>not found</body></html>" {
			t.Errorf("got %d %q, want the upstream's 404 untouched", resp.StatusCode, body)
		}
	})

	t.Run("HTML outside the inject paths is untouched and keeps the visitor's Accept-Encoding", func(t *testing.T) {
		_, body := get(t, "/plain", "gzip, br")
		if body != "<p>no body tag</p>" {
			t.Errorf("body = %q, want it untouched", body)
		}
		if got, _ := acceptEnc.Load("/plain"); got != "gzip, br" {
			t.Errorf("upstream got Accept-Encoding %q, want the visitor's %q", got, "gzip, br")
		}
	})

	t.Run("an unknown encoding passes untouched and is counted", func(t *testing.T) {
		resp, body := get(t, "/app/br", "br")
		if body != "pretend-brotli" || resp.Header.Get("Content-Encoding") != "br" {
			t.Errorf("got %q encoding %q, want the upstream's br body untouched", body, resp.Header.Get("Content-Encoding"))
		}
	})

	t.Run("a page larger than MaxBytes passes untouched and is counted", func(t *testing.T) {
		resp, body := get(t, "/app/big", "")
		if strings.Contains(body, "N0NCE") || len(body) != 4096+len("<html><body></body></html>") {
			t.Errorf("got %d bytes (tag present: %v), want the upstream's page untouched", len(body), strings.Contains(body, "N0NCE"))
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(body))
		}
	})

	t.Run("results are counted per site and upstream", func(t *testing.T) {
		counts := map[string]float64{}
		mfs, err := gather(m)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range mfs {
			counts[k] = v
		}
		for result, want := range map[string]float64{"injected": 2, "skipped_encoding": 1, "skipped_too_large": 1} {
			if counts[result] != want {
				t.Errorf("inject_total{result=%q} = %v, want %v", result, counts[result], want)
			}
		}
	})
}

// gather sums inject_total by result.
func gather(m *Metrics) (map[string]float64, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(m.inject); err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "result" {
					out[l.GetValue()] += metric.GetCounter().GetValue()
				}
			}
		}
	}
	return out, nil
}

func TestInsertBeforeBodyEnd(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"the tag goes before the last closing body tag", "<body>a</body>b</body>", "<body>a</body>bT</body>"},
		{"upper case is found", "<BODY>a</BODY >", "<BODY>aT</BODY >"},
		{"a look-alike tag is not the body end", "<body></bodyx>", "<body></bodyx>T"},
		{"an empty page gets the tag", "", "T"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(insertBeforeBodyEnd([]byte(c.in), []byte("T"))); got != c.want {
				t.Errorf("insertBeforeBodyEnd(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"gzip, deflate, br", true},
		{"br", false},
		{"gzip;q=0", false},
		{"gzip;q=0.01", true},
		{"*", true},
		{"", false},
	}
	for _, c := range cases {
		t.Run("Accept-Encoding "+strconv.Quote(c.in), func(t *testing.T) {
			if got := acceptsGzip([]string{c.in}); got != c.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestGzipPageThatDecodesBeyondTheLimitPassesUntouched(t *testing.T) {
	compressed := gz(t, "<html><body>"+strings.Repeat("a", 1<<20)+"</body></html>")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(compressed)
	}))
	t.Cleanup(up.Close)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), Inject: &InjectOptions{
		Tag:       func(string) []byte { return []byte("TAG") },
		ExtendCSP: func(c, _ string) string { return c },
		MaxBytes:  64 << 10,
	}})
	req := mustGet(t, front(t, p, nil).URL+"/")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, body := do(t, req)
	if resp.Header.Get("Content-Encoding") != "gzip" || body != string(compressed) {
		t.Errorf("got encoding %q and %d bytes, want the upstream's %d gzip bytes untouched", resp.Header.Get("Content-Encoding"), len(body), len(compressed))
	}
}
