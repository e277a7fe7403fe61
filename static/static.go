// Package static holds the gateway's browser files — the bootstrap script that signs the
// embed page into the org and mounts the ACC, the launcher tag for any page, the sign-in
// popup script, the sign-out form script, the stylesheet and the favicon — embedded into
// the binary and served under /__lo/static/ — and Boot (boot.go), the boot config those
// scripts read, the one contract between the gateway and the browser.
//
// Caching: every response carries a strong ETag (a hash of the file) and
// "Cache-Control: no-cache", so browsers revalidate and get a cheap 304 while a new
// release takes effect at once. A URL made by URL (".../bootstrap.js?v=<hash>") names one
// exact version; when its v matches, the answer is cacheable for a year, immutable.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"time"
)

// FS holds the served files. Tests (*.test.js) and Go sources are not in it.
//
//go:embed logateway.css bootstrap.js launcher.js callback-popup.js scrub-url.js signout.js favicon.svg
var FS embed.FS

// Prefix is where the gateway mounts Handler.
const Prefix = "/__lo/static/"

type file struct {
	body        []byte
	contentType string
	etag        string
	version     string
}

var files = mustLoad()

func mustLoad() map[string]file {
	entries, err := FS.ReadDir(".")
	if err != nil {
		panic("static: reading the embedded files: " + err.Error()) // cannot happen with go:embed
	}
	out := make(map[string]file, len(entries))
	for _, e := range entries {
		b, err := FS.ReadFile(e.Name())
		if err != nil {
			panic("static: reading embedded " + e.Name() + ": " + err.Error())
		}
		sum := sha256.Sum256(b)
		v := hex.EncodeToString(sum[:])[:16]
		out[e.Name()] = file{body: b, contentType: contentType(e.Name()), etag: `"` + v + `"`, version: v}
	}
	return out
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	default:
		return "application/octet-stream"
	}
}

// URL is the versioned path of a file under Prefix ("/__lo/static/bootstrap.js?v=…"),
// cacheable for a year. It is the plain path when the file is unknown, so a typo shows
// up as a 404 in the browser, not a panic at start.
func URL(name string) string {
	f, ok := files[name]
	if !ok {
		return Prefix + name
	}
	return Prefix + name + "?v=" + f.version
}

// Handler serves the files. It accepts the request path with or without Prefix (so it
// works behind http.StripPrefix and a gin wildcard alike), answers GET and HEAD only,
// and 404s anything else under the prefix, including directories.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "static files answer GET and HEAD only", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		name = strings.TrimPrefix(name, "/")
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		// launcher.js and the stylesheet are loaded by trusted-domain pages on other sites.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("ETag", f.etag)
		if v := r.URL.Query().Get("v"); v != "" && v == f.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}
