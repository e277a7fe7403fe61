package devorg

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
)

// corsPolicy is how a route answers cross-origin requests (1.1, item 2).
type corsPolicy int

const (
	corsNever     corsPolicy = iota // UI Bridge, frontdoor: never
	corsAlways                      // discovery and keys: any origin
	corsOAuth                       // token/revoke/introspect/authorize: flag + allowlist
	corsAllowlist                   // userinfo: allowlist only
)

// routes maps the org's whole URL surface. Each route has a name: the counter it bumps
// and the endpoint FailNext addresses.
func (o *Org) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern, name string, cors corsPolicy, h http.HandlerFunc) {
		mux.Handle(pattern, o.guard(name, cors, h))
	}
	handle(discoveryPath, "discovery", corsAlways, o.handleDiscovery)
	handle(keysPath, "keys", corsAlways, o.handleKeys)
	handle(keysAltPath, "keys", corsAlways, o.handleKeys)
	handle(authorizePath, "authorize", corsOAuth, o.handleAuthorize)
	handle(tokenPath, "token", corsOAuth, o.handleToken)
	handle(revokePath, "revoke", corsOAuth, o.handleRevoke)
	handle(introspectPath, "introspect", corsOAuth, o.handleIntrospect)
	handle(userinfoPath, "userinfo", corsAllowlist, o.handleUserinfo)
	handle("/id/{org}/{user}", "identity", corsNever, o.handleIdentity)
	handle(singleAccessPath, "singleaccess", corsNever, o.handleSingleAccess)
	handle(loSingleAccessPath, "lightningoutsingleaccess", corsNever, o.handleLOSingleAccess)
	handle(frontdoorPath, "frontdoor", corsNever, o.handleFrontdoor)
	handle(logoutPath, "logout", corsNever, o.handleLogout)
	if !o.cfg.NoEndSession {
		handle(endSessionPath, "endsession", corsNever, o.handleEndSession)
	}
	handle(faviconPath, "favicon", corsAlways, o.handleFavicon)
	handle(remoteAccessErrorPath, "remoteaccesserror", corsNever, o.handleRemoteAccessError)
	handle("/{$}", "home", corsNever, o.handleHome)
	if lightning := o.lightningHandler(); lightning != nil {
		for _, p := range lightningPrefixes {
			mux.Handle(p, o.guard("lightning", corsNever, lightning.ServeHTTP))
		}
	}
	if o.cfg.Knobs {
		mux.Handle(knobsPrefix, o.knobsHandler())
	}
	return mux
}

// ServeHTTP answers as the org's My Domain, and as its Experience Cloud sites under
// their prefixes.
func (o *Org) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := o.now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	o.mux.ServeHTTP(rec, o.throughSite(r))
	// Paths only: query strings carry codes, otps and tokens.
	o.logger.Debug("devorg request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
}

// guard wraps every route: counter, latency, down, injected failures, CORS.
func (o *Org) guard(name string, cors corsPolicy, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.count(name)
		latency, down, failStatus := o.knobsFor(name)
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if down {
			rep := o.reply(OrgDown)
			writeJSON(w, rep.Status, map[string]string{"error": rep.Error, "error_description": rep.Description})
			return
		}
		if failStatus != 0 {
			rep := o.reply(InjectedFailure)
			writeJSON(w, failStatus, map[string]string{"error": rep.Error, "error_description": rep.Description})
			return
		}
		if o.applyCORS(w, r, cors) {
			return // preflight answered
		}
		h(w, r)
	})
}

// applyCORS sets CORS headers per policy and reports whether it answered a preflight.
func (o *Org) applyCORS(w http.ResponseWriter, r *http.Request, p corsPolicy) bool {
	origin := r.Header.Get("Origin")
	allowed := false
	switch p {
	case corsAlways:
		w.Header().Set("Access-Control-Allow-Origin", "*")
		allowed = true
	case corsOAuth:
		if origin != "" && o.cfg.CORSForOAuth && slices.Contains(o.cfg.CORSAllowedOrigins, origin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			allowed = true
		}
	case corsAllowlist:
		if origin != "" && slices.Contains(o.cfg.CORSAllowedOrigins, origin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			allowed = true
		}
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if allowed {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// isRelativePath accepts "/x" but not "//host", "/\host" or anything with a scheme.
func isRelativePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && !strings.ContainsAny(p, "\r\n")
}

type siteKey struct{}

// siteOf is the site prefix a request came through ("" for the My Domain).
func siteOf(r *http.Request) string {
	if r == nil {
		return ""
	}
	p, _ := r.Context().Value(siteKey{}).(string)
	return p
}

// siteContainerPath is where Lightning Out 2.0 loads components of an app with
// site-prefix: <origin><prefix>/lightning-out?componentName=… (3.2); the stand-in
// answers it with its LWR container page.
const siteContainerPath = "/lightning-out"

// throughSite strips a site's prefix from a request to it and marks the request, so
// the handlers answer with the site's URLs and issuer.
func (o *Org) throughSite(r *http.Request) *http.Request {
	for _, s := range o.cfg.Sites {
		rest, ok := strings.CutPrefix(r.URL.Path, s.Prefix)
		if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
			continue
		}
		r2 := r.WithContext(context.WithValue(r.Context(), siteKey{}, s.Prefix))
		u := *r.URL
		u.Path, u.RawPath = rest, ""
		if u.Path == "" {
			u.Path = "/"
		}
		if u.Path == siteContainerPath {
			u.Path, u.RawPath = "/lwr/application/amd/0/ai/lightningout/container", "/lwr/application/amd/0/ai/lightningout%2Fcontainer"
		}
		r2.URL = &u
		return r2
	}
	return r
}
