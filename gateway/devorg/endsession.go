package devorg

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// handleEndSession is the org's end_session_endpoint (OpenID Connect RP-initiated
// logout, advertised in discovery, 1.11). It always ends the org browser session. It
// sends the browser back only when the client names itself (client_id) and a
// post_logout_redirect_uri the org accepts for it; otherwise the visitor stays on the
// org's logged-out page, as with a redirect the org will not follow.
func (o *Org) handleEndSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	o.endSession(r)
	clearSessionCookie(w)
	lines := []string{"Your session has ended."}
	if uri := r.Form.Get("post_logout_redirect_uri"); uri != "" {
		if app := o.app(r.Form.Get("client_id")); app != nil && o.postLogoutAllowed(app, uri) {
			v := url.Values{}
			if st := r.Form.Get("state"); st != "" {
				v.Set("state", st)
			}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, r, appendQuery(uri, v), http.StatusFound)
			return
		}
		lines = append(lines, "The application's return address (post_logout_redirect_uri) is not registered for it, so you were not sent back.")
	}
	o.renderPage(w, http.StatusOK, "message", pageData{Title: "Logout", Heading: "You are logged out",
		Lines: lines, Link: "/", LinkText: "Log In"})
}

// postLogoutAllowed: an exact registered URI, or (Assumptions.EndSessionCallbackOrigins)
// any http(s) URL without user info or fragment on the origin of a callback URL.
func (o *Org) postLogoutAllowed(app *App, uri string) bool {
	if slices.Contains(app.PostLogoutRedirectURIs, uri) {
		return true
	}
	if !o.cfg.Assumptions.EndSessionCallbackOrigins {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" || strings.ContainsAny(uri, "\r\n\\") {
		return false
	}
	for _, c := range app.CallbackURLs {
		cu, err := url.Parse(c)
		if err == nil && strings.EqualFold(cu.Scheme, u.Scheme) && strings.EqualFold(cu.Host, u.Host) {
			return true
		}
	}
	return false
}

// favicon is the org's icon: a cloud-blue disc, so a browser tab on the emulated org
// is told apart from the gateway's at a glance.
const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#00a1e0"/><path d="M9 20a4 4 0 0 1 1-7.9 5.5 5.5 0 0 1 10.4-1.4A4.5 4.5 0 1 1 22.5 20z" fill="#fff"/></svg>`

// handleFavicon answers /favicon.ico, which browsers ask every page's origin for.
func (o *Org) handleFavicon(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(favicon))
}
