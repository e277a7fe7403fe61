package lo

import (
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Session is the org browser session the devorg core found on a request (the
// sid cookie that frontdoor.jsp sets).
type Session struct{ UserID, OrgID, Username, Name string }

// Options are everything the stand-in needs from the devorg core.
type Options struct {
	SessionFromRequest func(r *http.Request) (Session, bool) // org browser session (sid cookie), set by frontdoor.jsp
	TrustedDomains     func() []string                       // host-page origins (Trusted Domains for Inline Frames / LO Host Page Domain Names)
	AppEnabled         func(appID string) bool               // Lightning Out app exists and is enabled ("" = no app id given)
	AuthTimeout        time.Duration                         // default 60s (docs/salesforce.md §3.2 step 5); tests use ~3s
	DevBanner          bool
	// ComponentReportsSessionEnd makes a component post lo.error (the host
	// hears lo.component.error) when it finds its org session gone. Salesforce
	// documents no such signal and whether real components send one is
	// unknown, so it is off by default and the gateway is tested both ways.
	ComponentReportsSessionEnd bool
}

// Prefixes are the URL path prefixes Handler answers; the devorg core routes
// them here.
var Prefixes = []string{"/lightning/", "/lwr/", "/acc/"}

// DefaultAuthTimeout is how long the library waits for the auth page's
// lo.loaded after the hidden iframe loaded (docs/salesforce.md §3.2 step 5).
const DefaultAuthTimeout = 60 * time.Second

// Paths served by Handler.
const (
	LibraryPath  = "/lightning/lightning.out.latest/index.iife.prod.js"
	AuthPagePath = "/lightning/lightning.out.auth.html"
	// MessagePagePath is what the library loads into a visible frame that did
	// not answer within its timeout.
	MessagePagePath = "/lightning/lightning.out.message.html"
	SDKPath         = "/acc/sdk/agentforce-conversation-client.iife.js"
	MessagesPath    = "/lwr/acc/api/messages"
	assetsPrefix    = "/lwr/lo-assets/"
	containerName   = "lightningout/container"
)

// containerPath matches the LWR container URL on its escaped form: the app name
// carries an encoded slash (lightningout%2Fcontainer) that must not be split,
// optionally behind an l/<lang>/ segment.
var containerPath = regexp.MustCompile(`^/lwr/application/amd/0/(?:l/[A-Za-z0-9_-]{1,20}/)?ai/lightningout(?:%2[Ff]|/)container$`)

// Handler serves the Lightning Out 2.0 and ACC stand-in under Prefixes.
func Handler(opts Options) http.Handler {
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = DefaultAuthTimeout
	}
	if opts.SessionFromRequest == nil {
		opts.SessionFromRequest = func(*http.Request) (Session, bool) { return Session{}, false }
	}
	if opts.TrustedDomains == nil {
		opts.TrustedDomains = func() []string { return nil }
	}
	if opts.AppEnabled == nil {
		opts.AppEnabled = func(string) bool { return true }
	}
	lib := libraryJS(opts.AuthTimeout)
	h := &handler{
		opts:    opts,
		library: lib,
		sdk:     append(append(append([]byte{}, lib...), '\n'), mustAsset("acc-sdk.js")...),
	}
	return h
}

type handler struct {
	opts    Options
	library []byte
	sdk     []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == LibraryPath:
		h.serveScript(w, r, h.library)
	case path == SDKPath:
		h.serveScript(w, r, h.sdk)
	case path == AuthPagePath:
		h.authPage(w, r)
	case path == MessagePagePath:
		h.messagePage(w, r)
	case path == MessagesPath:
		h.messages(w, r)
	case strings.HasPrefix(path, assetsPrefix):
		h.asset(w, r, strings.TrimPrefix(path, assetsPrefix))
	case containerPath.MatchString(r.URL.EscapedPath()):
		h.containerPage(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveScript(w http.ResponseWriter, r *http.Request, body []byte) {
	if !allowGet(w, r) {
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/javascript; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Public library code: a host page may load it with crossorigin or SRI.
	hdr.Set("Access-Control-Allow-Origin", "*")
	hdr.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
	return false
}
