package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// How the org's UI session was ended, as remembered in the sign-out note.
const (
	orgByEndSession = "end_session" // top-level visit to the org's end_session_endpoint
	orgByLogoutPage = "logout_page" // its logout page, loaded in a hidden frame of the signed-out page
)

// orgSignout knows how to end the visitor's Salesforce UI session (the cookie the
// org's sign-in form or a frontdoor URL set in the browser): the org's OpenID Connect
// end_session_endpoint from its discovery document when it advertises one, else its
// logout page. Discovery is read once and kept for an hour; a failed read is not kept.
type orgSignout struct {
	myDomain string // origin of the org's My Domain, where the UI session lives
	client   *http.Client

	mu       sync.Mutex
	endpoint string
	read     time.Time
}

const discoveryKeep = time.Hour

// endSessionURL is the end_session_endpoint, "" when the org advertises none.
func (o *orgSignout) endSessionURL(ctx context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.read.IsZero() && time.Since(o.read) < discoveryKeep {
		return o.endpoint, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.myDomain+"/.well-known/openid-configuration", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := o.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading the org's discovery document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("reading the org's discovery document: status %d", resp.StatusCode)
	}
	var doc struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("reading the org's discovery document: %w", err)
	}
	ep := ""
	if doc.EndSession != "" {
		// The browser is sent there from a sign-out form, whose CSP form-action
		// (which applies to redirects) names the org's My Domain: an endpoint
		// elsewhere would be blocked, so it is not used.
		u, err := url.Parse(doc.EndSession)
		if err != nil || u.User != nil || originOf(doc.EndSession) != o.myDomain {
			return "", fmt.Errorf("the org's end_session_endpoint %q is not on its My Domain %s", doc.EndSession, o.myDomain)
		}
		ep = doc.EndSession
	}
	o.endpoint, o.read = ep, time.Now()
	return ep, nil
}

// logoutPageURL is the org's logout page, the one Lightning Out loads in its hidden
// frame when a page clears frontdoor-url.
func (o *orgSignout) logoutPageURL() string { return o.myDomain + "/secur/logout.jsp" }
