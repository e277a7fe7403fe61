package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	tests := []struct {
		name         string
		method       string
		path         string
		header       map[string]string
		wantStatus   int
		wantType     string
		wantCache    string
		wantBodyPart string
	}{
		{name: "the bootstrap script is served as JavaScript with revalidation", method: "GET", path: "/__lo/static/bootstrap.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantCache: "no-cache", wantBodyPart: "logateway"},
		{name: "the stylesheet is served as CSS", method: "GET", path: "/__lo/static/logateway.css", wantStatus: 200, wantType: "text/css; charset=utf-8", wantCache: "no-cache", wantBodyPart: ".lo-page"},
		{name: "a path without the prefix is served too", method: "GET", path: "/launcher.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantCache: "no-cache"},
		{name: "a versioned URL is cacheable for a year", method: "GET", path: URL("launcher.js"), wantStatus: 200, wantCache: "public, max-age=31536000, immutable"},
		{name: "a stale version is served but revalidated", method: "GET", path: "/__lo/static/launcher.js?v=0000", wantStatus: 200, wantCache: "no-cache"},
		{name: "the Node test file is not served", method: "GET", path: "/__lo/static/bootstrap.test.js", wantStatus: 404},
		{name: "Go sources are not served", method: "GET", path: "/__lo/static/static.go", wantStatus: 404},
		{name: "the directory itself is not listed", method: "GET", path: "/__lo/static/", wantStatus: 404},
		{name: "a POST is refused", method: "POST", path: "/__lo/static/bootstrap.js", wantStatus: 405},
		{name: "HEAD is answered", method: "HEAD", path: "/__lo/static/bootstrap.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8"},
		{name: "a matching If-None-Match gets 304", method: "GET", path: "/__lo/static/bootstrap.js", header: map[string]string{"If-None-Match": files["bootstrap.js"].etag}, wantStatus: 304},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status: want %d, got %d", tc.wantStatus, res.StatusCode)
			}
			if tc.wantType != "" && res.Header.Get("Content-Type") != tc.wantType {
				t.Errorf("Content-Type: want %q, got %q", tc.wantType, res.Header.Get("Content-Type"))
			}
			if tc.wantCache != "" && res.Header.Get("Cache-Control") != tc.wantCache {
				t.Errorf("Cache-Control: want %q, got %q", tc.wantCache, res.Header.Get("Cache-Control"))
			}
			if tc.wantStatus == 200 && res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options: want nosniff, got %q", res.Header.Get("X-Content-Type-Options"))
			}
		})
	}
}

func TestHandlerBody(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/__lo/static/bootstrap.js", nil))
	want, err := FS.ReadFile("bootstrap.js")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != string(want) {
		t.Errorf("body: want the embedded bootstrap.js (%d bytes), got %d bytes", len(want), rec.Body.Len())
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("ETag: want a strong ETag, got none")
	}
}

func TestURL(t *testing.T) {
	t.Run("a known file gets its content version", func(t *testing.T) {
		got := URL("bootstrap.js")
		want := "/__lo/static/bootstrap.js?v=" + files["bootstrap.js"].version
		if got != want {
			t.Errorf("want %q, got %q", want, got)
		}
	})
	t.Run("an unknown file gets its plain path", func(t *testing.T) {
		if got := URL("nope.js"); got != "/__lo/static/nope.js" {
			t.Errorf("want /__lo/static/nope.js, got %q", got)
		}
	})
}

// TestJavaScript runs the Node tests of the scripts' pure helpers (node --test, no npm
// packages). Without node the test is skipped, unless CI=true, where it fails.
func TestJavaScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required in CI to run static/*.test.js, but it is not on PATH: %v", err)
		}
		t.Skipf("node not found on PATH; skipping static/*.test.js (set CI=true to make this a failure)")
	}
	tests, err := filepath.Glob("*.test.js")
	if err != nil || len(tests) == 0 {
		t.Fatalf("want static/*.test.js files, found %v (err %v)", tests, err)
	}
	cmd := exec.Command(node, append([]string{"--test"}, tests...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %s failed: %v\n%s", strings.Join(tests, " "), err, out)
	}
	t.Logf("node --test: %s", lastLines(string(out), 8))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
