package lo

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"time"
)

//go:embed assets
var assets embed.FS

// servedAssets are the files the container pages load from /lwr/lo-assets/;
// the library and SDK have their own URLs.
var servedAssets = map[string]string{
	"container.js":  "text/javascript; charset=utf-8",
	"container.css": "text/css; charset=utf-8",
}

func mustAsset(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(fmt.Sprintf("lo: embedded asset %q missing: %v", name, err))
	}
	return b
}

// timeoutMarker is the line in lightning-out.js whose number Handler replaces
// with Options.AuthTimeout, so the file stays valid JavaScript on its own.
const timeoutMarker = "var AUTH_TIMEOUT_MS = 60000; // @lo-auth-timeout-ms"

func libraryJS(timeout time.Duration) []byte {
	src := mustAsset("lightning-out.js")
	if !bytes.Contains(src, []byte(timeoutMarker)) {
		panic("lo: lightning-out.js lost its auth-timeout marker line " + strconv.Quote(timeoutMarker))
	}
	line := "var AUTH_TIMEOUT_MS = " + strconv.FormatInt(timeout.Milliseconds(), 10) + "; // @lo-auth-timeout-ms"
	return bytes.Replace(src, []byte(timeoutMarker), []byte(line), 1)
}

func (h *handler) asset(w http.ResponseWriter, r *http.Request, name string) {
	ctype, ok := servedAssets[path.Clean(name)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !allowGet(w, r) {
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(mustAsset(name))
}
