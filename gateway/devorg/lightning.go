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
	return lo.Handler(lo.Options{
		SessionFromRequest: func(r *http.Request) (lo.Session, bool) {
			u := o.sessionUser(r)
			if u == nil {
				return lo.Session{}, false
			}
			return lo.Session{UserID: u.ID, OrgID: o.cfg.OrgID, Username: u.Username, Name: u.Name}, true
		},
		TrustedDomains: o.TrustedLODomains,
		AppEnabled: func(appID string) bool {
			// Apps created before Spring '26 need no app-id (3.2).
			return appID == "" || o.LOAppEnabled(appID)
		},
		AuthTimeout: o.cfg.LOAuthTimeout,
		DevBanner:   o.cfg.DevBanner,
	})
}
