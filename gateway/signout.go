package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// signedOutPath is the page every sign-out ends on: it says what was ended and
// offers sign-in again.
const signedOutPath = "/__lo/signedout"

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

// signoutFormAction is the CSP form-action of pages with a sign-out form: the
// gateway answers the form with a redirect to the org's end-session endpoint, and
// browsers apply form-action to the redirects of a form submission.
func (s *site) signoutFormAction() []string {
	if s.orgOrigin == "" {
		return []string{"'self'"}
	}
	return []string{"'self'", s.orgOrigin}
}

// logoutPageURL is the org's logout page, the one Lightning Out loads in its hidden
// frame when a page clears frontdoor-url.
func (o *orgSignout) logoutPageURL() string { return o.myDomain + "/secur/logout.jsp" }

// signoutNote is what the signed-out page is told by the sign-out that sent the
// browser there (a signed, encrypted, five-minute cookie): where to go next and
// what was done.
type signoutNote struct {
	Redirect string `json:"r"`
	Revoke   string `json:"v"`           // "ok", "failed", or "none" (no session here)
	Org      string `json:"o"`           // orgByEndSession or orgByLogoutPage
	State    string `json:"s,omitempty"` // echoed by the org's end-session redirect
	Created  int64  `json:"c"`
}

const signoutNoteLife = 5 * time.Minute

// signoutNotes reads and writes the sign-out note cookie.
type signoutNotes struct {
	name   string
	secure bool
	codecs []securecookie.Codec
}

func newSignoutNotes(keys [][]byte, secure bool) (*signoutNotes, error) {
	if len(keys) == 0 {
		return nil, errors.New("gateway: no session keys to protect the sign-out note")
	}
	n := &signoutNotes{name: "lo_signout", secure: secure, codecs: auth.DerivedCodecs(keys, "sign-out note", signoutNoteLife)}
	if secure {
		n.name = "__Host-lo_signout"
	}
	return n, nil
}

func (n *signoutNotes) write(w http.ResponseWriter, note signoutNote) error {
	v, err := securecookie.EncodeMulti(n.name, note, n.codecs[0])
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: n.name, Value: v, Path: "/", MaxAge: int(signoutNoteLife / time.Second),
		HttpOnly: true, Secure: n.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// take reads and clears the note; ok is false when there is none or it is not ours.
func (n *signoutNotes) take(w http.ResponseWriter, r *http.Request) (signoutNote, bool) {
	c, err := r.Cookie(n.name)
	if err != nil {
		return signoutNote{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: n.name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: n.secure, SameSite: http.SameSiteLaxMode})
	var note signoutNote
	if securecookie.DecodeMulti(n.name, c.Value, &note, n.codecs...) != nil || time.Since(time.Unix(note.Created, 0)) > signoutNoteLife {
		return signoutNote{}, false
	}
	return note, true
}

// logout is the one sign-out, whatever page starts it: it revokes the org grant,
// deletes the session and clears the cookie, then ends the org's UI session in the
// browser: through the org's end_session_endpoint when discovery advertises one (the
// org sends the browser back to the signed-out page), else on the signed-out page,
// which loads the org's logout page in a hidden frame. The signed-out page says which.
func (g *Gateway) logout(c *gin.Context) {
	s := info(c).site
	if !s.policy.SameOrigin(c.Request) && !nullOriginSameSite(c.Request) {
		g.fail(c, s, http.StatusForbidden, failure{Reason: "csrf", Heading: "Sign-out refused", Message: "Sign-out must come from this site's own pages. Open the sign-out page and try again.", Retry: "/__lo/logout"})
		return
	}
	form, err := readForm(c, maxLogoutBody)
	if err != nil {
		g.formFailure(c, s, err)
		return
	}
	target := s.policy.SafeRedirect(firstNonEmpty(form.Get("rd"), c.Query("rd")))
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	note := signoutNote{Redirect: target, Revoke: "none", Org: orgByLogoutPage, Created: time.Now().Unix()}
	if sess != nil {
		tok := form.Get("csrf")
		// Constant time: how far a guess matched must not show in the answer's timing.
		if c.GetHeader("X-LO-CSRF") == "" && (tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sess.Record.CSRF)) != 1) {
			g.fail(c, s, http.StatusForbidden, failure{Reason: "csrf", Heading: "Sign-out refused", Message: "The sign-out form expired. Open the sign-out page again.", Retry: "/__lo/logout"})
			return
		}
		note.Revoke = "ok"
		if err := s.signin.Revoke(ctx, sess.Record); err != nil {
			// Still sign out here; the signed-out page and the log say the org grant may outlive it.
			note.Revoke = "failed"
			g.deps.Logger.Warn("revoke at the org failed; the local session is deleted anyway", "rid", info(c).rid, "site", s.name, "err", err.Error())
		}
		if err := s.sessions.Destroy(ctx, c.Writer, sess); err != nil {
			g.storeFailure(c, s, err)
			return
		}
		g.deps.Metrics.Signout()
	} else {
		s.sessions.ClearCookie(c.Writer)
	}
	next := s.origin + signedOutPath
	// An org that could not revoke is likely down: do not send the visitor to it.
	if note.Revoke != "failed" {
		ep, err := s.orgSignout.endSessionURL(ctx)
		if err != nil {
			g.deps.Logger.Warn("the org's end-session endpoint is unknown; its logout page is used instead", "rid", info(c).rid, "site", s.name, "err", err.Error())
		}
		if ep != "" {
			note.Org, note.State = orgByEndSession, trust.NewNonce()
			next = appendQuery(ep, url.Values{
				"client_id":                {s.cfg.ECA.ClientID},
				"post_logout_redirect_uri": {s.origin + signedOutPath},
				"state":                    {note.State},
			})
		}
	}
	if err := s.signoutNotes.write(c.Writer, note); err != nil {
		g.deps.Logger.Warn("could not write the sign-out note", "rid", info(c).rid, "site", s.name, "err", err.Error())
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if wantsJSON(c.Request) {
		writeJSON(c, http.StatusOK, map[string]any{"signedIn": false, "redirect": next})
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}

func appendQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// signedOut is the page a sign-out ends on. It says exactly what was ended, and
// finishes the org sign-out itself (a hidden frame with the org's logout page) when
// the org's end-session endpoint was not used or did not confirm.
func (g *Gateway) signedOut(c *gin.Context) {
	s := info(c).site
	note, ok := s.signoutNotes.take(c.Writer, c.Request)
	sess, loaded := g.loadSession(c, s)
	if !loaded {
		return
	}
	if sess != nil {
		// Signed in again since (or never signed out): nothing to report here.
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	if !ok {
		note = signoutNote{Redirect: "/", Revoke: "unknown"}
	}
	target := s.policy.SafeRedirect(note.Redirect)
	data := templates.SignedOutData{LoginURL: "/__lo/login?rd=" + url.QueryEscape(target), BackURL: target}
	if s.embedPath != "" && strings.HasPrefix(target, s.embedPath) && !strings.Contains(target, "signedout=") {
		// The embed page would otherwise start a new sign-in by itself (signin.auto_start).
		data.BackURL = appendQuery(target, url.Values{"signedout": {"1"}})
	}
	data.Done = append(data.Done, "Your session on this site has ended.")
	switch note.Revoke {
	case "ok":
		data.Done = append(data.Done, "This site's access to your Salesforce account was revoked.")
	case "failed":
		data.Warnings = append(data.Warnings, "Salesforce did not answer, so this site's access to your Salesforce account could not be revoked. It stops working when it expires.")
	}
	orgFrame := false
	switch {
	case note.Org == orgByEndSession && c.Query("state") != "" && subtle.ConstantTimeCompare([]byte(c.Query("state")), []byte(note.State)) == 1:
		data.Done = append(data.Done, "Your Salesforce session in this browser has ended.")
		data.How = "end_session"
	case note.Org == orgByEndSession:
		orgFrame = true
		data.Warnings = append(data.Warnings, "Salesforce did not confirm that it ended your session in this browser, so this page asked again through its logout page. If you use a shared computer, close the browser too.")
		data.How = "logout_page_unconfirmed"
	case ok && note.Revoke != "failed":
		orgFrame = true
		data.Done = append(data.Done, "This page asked Salesforce to end your session in this browser through its logout page. Salesforce does not confirm it; if you use a shared computer, close the browser too.")
		data.How = "logout_page"
	case ok:
		data.Warnings = append(data.Warnings, "Your Salesforce session in this browser may still be active. Sign out at Salesforce or close the browser if you use a shared computer.")
		data.How = "none"
	default:
		// No note: a bookmark, or a note that expired. Nothing is claimed about the org.
		data.How = "unknown"
	}
	nonce := trust.NewNonce()
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	if orgFrame {
		data.OrgLogoutURL = s.orgSignout.logoutPageURL()
		csp.Frame = []string{s.orgOrigin}
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", csp.Header(nonce))
	h.Set("X-Frame-Options", "DENY")
	data.Page = g.page(c, s, nonce, "Signed out")
	g.render(c, http.StatusOK, "signedout", data)
}
