package gateway

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strconv"
	"strings"

	"github.com/logateway/logateway/config"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// AdminHandler serves the admin listener: /metrics, POST /reload, /healthz,
// GET /doctor when doctor is not nil (Setup drift, see internal/doctor) and,
// when enabled, /debug/pprof/. Keep it on loopback or a private network.
func (g *Gateway) AdminHandler(reload func() error, withPprof bool, doctor http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.deps.Metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /reload", func(w http.ResponseWriter, _ *http.Request) {
		if err := reload(); err != nil {
			http.Error(w, "reload refused; the old config stays in force:\n"+err.Error(), http.StatusUnprocessableEntity)
			return
		}
		_, _ = w.Write([]byte("reloaded\n"))
	})
	if doctor != nil {
		mux.Handle("GET /doctor", doctor)
	}
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return g.adminGuard(mux)
}

// adminGuard keeps browsers out of the admin listener. A page on any site can
// make a visitor's browser send requests to 127.0.0.1:9090, and with DNS
// rebinding read the answers, under the page's own host name; so the Host
// must be an IP literal, localhost, admin_listen's host or one of admin_hosts.
// A browser's cross-origin POST (a form to /reload) carries an Origin or
// Sec-Fetch-Site that says so, and is refused. With admin_token_env every
// request but /healthz must carry the token. The config in force is read per
// request, so a reload that changes these settings applies at once.
func (g *Gateway) adminGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := g.Config()
		if !adminHostAllowed(r.Host, cfg) {
			http.Error(w, "admin listener: Host "+strconv.Quote(r.Host)+" is not served here (add it to admin_hosts)", http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && crossOriginAdmin(r) {
			http.Error(w, "admin listener: cross-origin requests are refused", http.StatusForbidden)
			return
		}
		if cfg.AdminToken != "" && r.URL.Path != "/healthz" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(cfg.AdminToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="logateway admin"`)
				http.Error(w, "admin listener: a bearer token is required (admin_token_env)", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func adminHostAllowed(host string, cfg *config.Config) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
	if h == "" || h == "localhost" {
		return h != ""
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if lh, _, err := net.SplitHostPort(cfg.AdminListen); err == nil && strings.EqualFold(lh, h) {
		return true
	}
	for _, a := range cfg.AdminHosts {
		if strings.EqualFold(strings.TrimSuffix(a, "."), h) {
			return true
		}
	}
	return false
}

// crossOriginAdmin reports a browser request made by a page: any Origin (the
// admin listener has no pages of its own) or fetch metadata other than none.
func crossOriginAdmin(r *http.Request) bool {
	if len(r.Header.Values("Origin")) > 0 {
		return true
	}
	sfs := r.Header.Get("Sec-Fetch-Site")
	return sfs != "" && sfs != "none"
}
