package devorg

import (
	"net/http"

	"github.com/logateway/logateway/gateway/devorg/lo"
)

// lightningPrefixes are the paths the Lightning Out 2.0 / ACC stand-in answers.
var lightningPrefixes = lo.Prefixes

// lightningHandler builds the Lightning Out 2.0 stand-in once, fed from the org's
// sessions, trusted domains and Lightning Out apps.
func (o *Org) lightningHandler() http.Handler {
	h := lo.Handler(lo.Options{
		SessionFromRequest: func(r *http.Request) (lo.Session, bool) {
			u, s := o.browserSession(r)
			if u == nil || !o.lightningOutAllows(s) {
				return lo.Session{}, false
			}
			return lo.Session{UserID: u.ID, OrgID: o.cfg.OrgID, Username: u.Username, Name: u.Name}, true
		},
		TrustedDomains: o.TrustedLODomains,
		AppEnabled: func(appID string) bool {
			// Apps created before Spring '26 need no app-id (3.2).
			return appID == "" || o.LOAppEnabled(appID)
		},
		AuthTimeout:                o.cfg.LOAuthTimeout,
		DevBanner:                  o.cfg.DevBanner,
		ComponentReportsSessionEnd: o.cfg.Assumptions.LOComponentReportsSessionEnd,
	})
	if !o.cfg.NoLightningOutLibrary {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == lo.LibraryPath {
			// Salesforce's page for a URL it does not serve (wording UNCONFIRMED).
			o.renderPage(w, http.StatusNotFound, "message", pageData{Title: "URL No Longer Exists", Heading: "URL No Longer Exists",
				Lines: []string{"You have attempted to reach a URL that no longer exists on salesforce.com."}})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// lightningOutAllows reports whether the Lightning Out app accepts an org session. A
// session bridged from an access token needs the token to carry every scope of
// Assumptions.LightningOutScopes (Salesforce's setup guide for the ACC selects api, web
// and lightning; what a real org answers without them is not documented, so a session
// without them simply never loads, like any failed Lightning Out login). full covers all.
func (o *Org) lightningOutAllows(s *browserSession) bool {
	if !s.bridged || hasScope(s.scopes, "full") {
		return true
	}
	for _, want := range o.cfg.Assumptions.LightningOutScopes {
		if !hasScope(s.scopes, want) {
			return false
		}
	}
	return true
}
