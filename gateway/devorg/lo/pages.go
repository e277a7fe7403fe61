package lo

import (
	"html/template"
	"net/http"
)

// authTemplate is the page the hidden lightning_af iframe lands on after
// frontdoor.jsp. Only when everything a real org checks is in order does it
// post lo.loaded to the host; otherwise it stays silent and the host's timer
// turns that into lo.application.error (docs/salesforce.md §3.2 step 5).
var authTemplate = template.Must(template.New("auth").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lightning Out</title></head>
<body>
<p id="lo-auth-status" data-status="{{.Status}}">{{.Message}}</p>
{{if .Post}}<script nonce="{{.Nonce}}">window.parent.postMessage({id: {{.ID}}, type: "lo.loaded"}, {{.Origin}});</script>{{end}}
</body></html>
`))

type authView struct {
	Status, Message string
	Post            bool
	Nonce, ID       string
	Origin          string
}

func (h *handler) authPage(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	q := r.URL.Query()
	v := authView{Status: "ok", Message: "Lightning Out session established.", Nonce: newNonce(), ID: q.Get("parentElementId")}
	origin, originOK := hostOrigin(q.Get("loAppOrigin"))
	_, signedIn := h.opts.SessionFromRequest(r)
	appID := q.Get("appId")
	switch {
	case v.ID == "":
		v.Status, v.Message = "bad-request", "parentElementId is missing."
	case !originOK:
		v.Status, v.Message = "bad-request", "loAppOrigin is not an http(s) origin."
	case !signedIn:
		v.Status, v.Message = "no-session", "No Salesforce session: the frontdoor URL was missing, used or expired."
	case !h.opts.AppEnabled(appID):
		v.Status, v.Message = "app-disabled", "The Lightning Out 2.0 app is unknown or disabled."
	case !originTrusted(origin, h.opts.TrustedDomains()):
		v.Status, v.Message = "untrusted-origin", "The host page origin is not a trusted domain for Lightning Out."
	default:
		v.Post, v.Origin = true, origin
	}
	writeHTML(w, h.pageCSP(v.Nonce))
	_ = authTemplate.Execute(w, v)
}

// pageCSP is the CSP of every page the stand-in serves: scripts only from the
// org itself or with the per-response nonce, and framing only by trusted hosts.
func (h *handler) pageCSP(nonce string) string {
	return "default-src 'none'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; " +
		"img-src 'self' data: https: http:; connect-src 'self'; base-uri 'none'; form-action 'self'; " +
		frameAncestors(h.opts.TrustedDomains())
}

func writeHTML(w http.ResponseWriter, csp string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
}

// containerTemplate renders one component. The boot data travels as JSON in a
// non-executed script element, so the only code on the page is container.js.
var containerTemplate = template.Must(template.New("container").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Boot.ComponentName}}</title>
<link rel="stylesheet" href="/lwr/lo-assets/container.css">
<script type="application/json" id="lo-boot">{{.Boot}}</script>
<script nonce="{{.Nonce}}" src="/lwr/lo-assets/container.js" defer></script>
</head><body class="lo-body"></body></html>
`))

type containerBoot struct {
	ComponentName   string `json:"componentName"`
	ParentElementID string `json:"parentElementId"`
	LoAppOrigin     string `json:"loAppOrigin"`
	AppID           string `json:"appId"`
	SignedIn        bool   `json:"signedIn"`
	UserName        string `json:"userName,omitempty"`
	Username        string `json:"username,omitempty"`
	MessagesURL     string `json:"messagesUrl"`
	DevBanner       bool   `json:"devBanner"`
	// ReportSessionEnd: Options.ComponentReportsSessionEnd.
	ReportSessionEnd bool `json:"reportSessionEnd"`
}

func (h *handler) containerPage(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	q := r.URL.Query()
	boot := containerBoot{
		ComponentName:    q.Get("componentName"),
		ParentElementID:  q.Get("parentElementId"),
		AppID:            q.Get("appId"),
		MessagesURL:      MessagesPath,
		DevBanner:        h.opts.DevBanner,
		ReportSessionEnd: h.opts.ComponentReportsSessionEnd,
	}
	// The page posts to loAppOrigin only when it is trusted: frame-ancestors
	// already keeps other hosts out, this keeps messages from leaking if a
	// browser ignores it.
	if o, ok := hostOrigin(q.Get("loAppOrigin")); ok && originTrusted(o, h.opts.TrustedDomains()) {
		boot.LoAppOrigin = o
	}
	if s, ok := h.opts.SessionFromRequest(r); ok {
		boot.SignedIn, boot.UserName, boot.Username = true, displayName(s), s.Username
	}
	nonce := newNonce()
	writeHTML(w, h.pageCSP(nonce))
	_ = containerTemplate.Execute(w, struct {
		Boot  containerBoot
		Nonce string
	}{boot, nonce})
}

func displayName(s Session) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Username
}

// messageTemplate is the org page a visible Lightning Out frame shows when
// its component did not answer in time.
var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lightning Out</title>
<link rel="stylesheet" href="/lwr/lo-assets/container.css"></head>
<body class="lo-body"><div class="lo-card lo-card--error" id="lo-message" role="alert">
<h1 class="lo-card__title">This content could not be loaded</h1>
<p>The component did not load in time. Reload the page or sign in again.</p>
</div></body></html>
`))

func (h *handler) messagePage(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	writeHTML(w, h.pageCSP(newNonce()))
	_ = messageTemplate.Execute(w, nil)
}
