package gateway

import (
	"net/url"

	"github.com/logateway/logateway/static"
)

// The gateway's own routes all live under loPrefix, so they never collide with a
// site's pages. routes.go maps them; handlers link to them by these names.
// A site's callback and embed paths come from its config instead, and API
// relays may also live under loPrefix (/__lo/api/), matched in dispatch.
const (
	loPrefix    = "/__lo/"
	pathHealthz = loPrefix + "healthz"
	pathReadyz  = loPrefix + "readyz"
	pathStatic  = static.Prefix // "/__lo/static/"
	// pathAuth is what a front proxy asks before each request of a site in
	// forward-auth mode. Envoy's ext_authz appends the original path to it
	// (/__lo/auth/app/x?y); the other proxies send the original URI in a header.
	pathAuth   = loPrefix + "auth"
	pathLogin  = loPrefix + "login"
	pathLogout = loPrefix + "logout"
	// pathSignedOut is the page every sign-out ends on: it says what was ended
	// and offers sign-in again.
	pathSignedOut = loPrefix + "signedout"
	pathFrontdoor = loPrefix + "frontdoor"
	pathSession   = loPrefix + "session"
	pathBoot      = loPrefix + "boot"
	pathHandoff   = loPrefix + "handoff"
)

// signinURL starts a sign-in that returns the visitor to rd.
func signinURL(rd string) string { return pathLogin + "?rd=" + url.QueryEscape(rd) }
