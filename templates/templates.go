// Package templates renders the gateway's visitor-facing pages — the embed page that
// bootstraps the ACC, the OAuth callback page (popup and no-JS fallback), the error
// page, the sign-out confirmation, the signed-out page and the dev-mode landing page — from html/template
// files embedded in the binary and parsed once, at New.
//
// Every page works under a strict CSP (script-src 'nonce-…' <org>; style-src 'self'
// 'nonce-…'): no inline event handlers, no style attributes, and every inline script
// carries the page nonce. The caller sets CSP and the other headers; Render sets only
// Content-Type.
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/logateway/logateway/static"
)

//go:embed *.html
var files embed.FS

// Page is what every page shows: site name, title, the request id (for support) and,
// in dev mode, a banner that names the emulated org.
type Page struct {
	Nonce     string // CSP nonce of this response; required by pages with scripts
	RequestID string
	SiteName  string
	Title     string
	DevMode   bool
	DevOrgURL string
}

// EmbedData is the embed page ("embed").
type EmbedData struct {
	Page
	SignedIn    bool
	DisplayName string
	LoginURL    string // sign-in link (no-JS fallback and the button bootstrap.js shows)
	LogoutURL   string // the sign-out form posts here with CSRFToken as "csrf"
	CSRFToken   string
	// Boot is marshalled as JSON into <script type="application/json" id="lo-boot">;
	// BootConfig (static.Boot) is its shape.
	Boot any
	// ScriptURL is the LO script or the SDK bundle (the same as Boot's scriptURL). The
	// page preloads it when signed in; bootstrap.js inserts the one script element.
	ScriptURL string
}

// CallbackData is the OAuth callback page ("callback").
type CallbackData struct {
	Page
	Popup        bool   // posts {type:"logateway.signin", ok} to window.opener, then closes
	OpenerOrigin string // exact postMessage target origin, validated by the caller
	OK           bool
	Redirect     string // "Continue" link (no-JS fallback, and for a popup without opener)
	// HandoffCode is posted to the opener, which redeems it at POST /__lo/handoff;
	// set only when the opener asked for a hand-off (it is never shown).
	HandoffCode string
}

// ErrorData is the error page ("error"). Hint is for the administrator and is shown
// only in dev mode; it must never hold secrets.
type ErrorData struct {
	Page
	Status     int
	Heading    string
	Message    string
	Hint       string
	RetryURL   string
	RetryLabel string // default "Try again"
	// ScrubQuery removes the query from the address bar (the callback's spent
	// code and state) with a tiny same-origin script.
	ScrubQuery bool
}

// LogoutData is the sign-out confirmation ("logout"): a POST form to /__lo/logout with
// hidden fields "csrf" and "rd".
type LogoutData struct {
	Page
	CSRFToken   string
	Target      string // rd: where to go after sign-out (validated by the caller)
	DisplayName string
}

// SignedOutData is the page every sign-out ends on ("signedout"). Done and Warnings
// say exactly what was and was not ended; OrgLogoutURL, when set, is loaded in a
// hidden frame to end the Salesforce session in this browser.
type SignedOutData struct {
	Page
	Done         []string
	Warnings     []string
	How          string // how the org session was ended, for tests: end_session, logout_page, ...
	LoginURL     string
	BackURL      string
	OrgLogoutURL string
}

// DevUser is a test user of the emulated org. It is an alias of the anonymous struct so
// a []struct{Username, Password string} literal fits DevIndexData.Users as well.
type DevUser = struct{ Username, Password string }

// DevIndexData is the dev-mode landing page at "/" ("devindex").
type DevIndexData struct {
	Page
	SignedIn    bool
	DisplayName string
	EmbedPath   string
	LoginURL    string
	OrgURL      string
	Users       []DevUser
}

// BootConfig is the JSON the embed page (EmbedData.Boot) and GET /__lo/boot hand to
// bootstrap.js: static.Boot, the one contract with the browser.
type BootConfig = static.Boot

// ACCConfig is static.ACC, the agentforceClientConfig.
type ACCConfig = static.ACC

// RenderingConfig is static.RenderingConfig.
type RenderingConfig = static.RenderingConfig

// page describes one renderable page: its file and a check that the data fits.
type page struct {
	file      string
	fits      func(any) bool
	wantType  string
	nonceFrom func(any) string // non-nil when the page has scripts and needs a nonce
}

func fits[T any](v any) bool {
	switch v.(type) {
	case T, *T:
		return true
	}
	return false
}

func pageOf(v any) Page {
	switch d := v.(type) {
	case EmbedData:
		return d.Page
	case *EmbedData:
		return d.Page
	case CallbackData:
		return d.Page
	case *CallbackData:
		return d.Page
	}
	return Page{}
}

func needsNonce(v any) string { return pageOf(v).Nonce }

var pages = map[string]page{
	"embed":     {file: "embed.html", fits: fits[EmbedData], wantType: "templates.EmbedData", nonceFrom: needsNonce},
	"callback":  {file: "callback.html", fits: fits[CallbackData], wantType: "templates.CallbackData", nonceFrom: needsNonce},
	"error":     {file: "error.html", fits: fits[ErrorData], wantType: "templates.ErrorData"},
	"logout":    {file: "logout.html", fits: fits[LogoutData], wantType: "templates.LogoutData"},
	"signedout": {file: "signedout.html", fits: fits[SignedOutData], wantType: "templates.SignedOutData"},
	"devindex":  {file: "devindex.html", fits: fits[DevIndexData], wantType: "templates.DevIndexData"},
}

// Renderer executes the parsed pages. It is safe for concurrent use.
type Renderer struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	// static is the versioned URL of a file in the static package.
	"static": static.URL,
	// json marshals a value for a <script type="application/json"> element.
	// encoding/json escapes <, > and & (and U+2028/9), so no value can close the element.
	"json": func(v any) (template.JS, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("marshalling page data as JSON: %w", err)
		}
		return template.JS(b), nil
	},
	"statusText": func(code int) string {
		if t := http.StatusText(code); t != "" {
			return t
		}
		return "Error"
	},
	// callbackJSON is what callback-popup.js reads from #lo-callback.
	"callbackJSON": func(v any) map[string]any {
		var d CallbackData
		switch x := v.(type) {
		case CallbackData:
			d = x
		case *CallbackData:
			d = *x
		}
		m := map[string]any{"ok": d.OK, "openerOrigin": d.OpenerOrigin}
		if d.HandoffCode != "" {
			m["code"] = d.HandoffCode
		}
		return m
	},
}

// New parses every page once. An error means a broken template in the binary.
func New() (*Renderer, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: parsing layout.html: %w", err)
	}
	r := &Renderer{sets: make(map[string]*template.Template, len(pages))}
	for name, p := range pages {
		set, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("templates: cloning the layout for %s: %w", p.file, err)
		}
		if _, err := set.ParseFS(files, p.file); err != nil {
			return nil, fmt.Errorf("templates: parsing %s: %w", p.file, err)
		}
		r.sets[name] = set
	}
	return r, nil
}

// Names lists the pages Render knows.
func Names() []string {
	return []string{"embed", "callback", "error", "logout", "signedout", "devindex"}
}

// Render writes page name with data and the given status. The page is rendered into
// memory first, so on error nothing has been written and the caller can still answer
// with something else. data must be the page's struct (value or pointer).
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, data any) error {
	p, ok := pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %q; want one of %v", name, Names())
	}
	if !p.fits(data) {
		return fmt.Errorf("templates: page %q wants %s data, got %T", name, p.wantType, data)
	}
	if p.nonceFrom != nil && p.nonceFrom(data) == "" {
		return fmt.Errorf("templates: page %q has scripts and needs Page.Nonce (the response's CSP nonce), got an empty nonce", name)
	}
	var buf bytes.Buffer
	if err := r.sets[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("templates: rendering %q: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
