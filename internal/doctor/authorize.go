package doctor

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/logateway/logateway/config"
)

// remoteAccessErrorPath is where Salesforce shows the authorize errors it will
// not send to the client's redirect_uri: unknown client, unregistered callback.
const remoteAccessErrorPath = "/setup/secur/RemoteAccessErrorPage.apexp"

// authzOutcome is how the org answered one authorize request.
type authzOutcome struct {
	errorPage   bool   // Salesforce's remote-access error page
	toCallback  bool   // redirected to the configured callback URL
	err, desc   string // error and error_description, on the error page or the callback
	status      int
	unreachable error
}

// authorize sends the request the gateway's sign-in sends, with the given
// scopes, and reads the first answer without following it: no sign-in ever
// happens. The state, nonce and challenge are random and never printed.
func (d *siteDoctor) authorize(ctx context.Context, scopes []string) authzOutcome {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {d.s.ECA.ClientID},
		"redirect_uri":  {d.s.CallbackURL()},
		"state":         {randomToken("")},
		"nonce":         {randomToken("")},
	}
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, " "))
	}
	if d.s.ECA.PKCE == nil || *d.s.ECA.PKCE {
		sum := sha256.Sum256([]byte(randomToken("verifier-") + randomToken("")))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	endpoint := d.authorizeEndpoint()
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	a, err := d.do(ctx, d.noRed, http.MethodGet, endpoint+sep+q.Encode(), nil, nil)
	if err != nil {
		return authzOutcome{unreachable: err}
	}
	out := authzOutcome{status: a.status}
	if a.status < 300 || a.status > 399 {
		return out
	}
	loc, err := a.finalURL.Parse(a.header.Get("Location"))
	if err != nil {
		return out
	}
	// An org may send the browser to its login page with the error page as
	// startURL; read the page it would end on.
	if start := loc.Query().Get("startURL"); start != "" {
		if su, err := loc.Parse(start); err == nil && strings.EqualFold(su.Path, remoteAccessErrorPath) {
			loc = su
		}
	}
	cb, _ := url.Parse(d.s.CallbackURL())
	switch {
	case strings.EqualFold(loc.Path, remoteAccessErrorPath):
		out.errorPage = true
	case cb != nil && strings.EqualFold(loc.Scheme, cb.Scheme) && strings.EqualFold(loc.Host, cb.Host) && loc.Path == cb.Path:
		out.toCallback = true
	}
	out.err, out.desc = loc.Query().Get("error"), loc.Query().Get("error_description")
	return out
}

func (o authzOutcome) words() string {
	if o.desc == "" {
		return o.err
	}
	return o.err + " (" + o.desc + ")"
}

// checkAuthorize covers the consumer key, the callback URL and the scopes with
// one authorize request; when the scopes are refused it asks once per scope to
// name the ones missing from the app.
func (d *siteDoctor) checkAuthorize(ctx context.Context) {
	if d.s.Signin.Flow != "web-server" {
		why := fmt.Sprintf("signin.flow is %s: visitors never reach the org's authorize page", d.s.Signin.Flow)
		d.skip(CheckConsumerKey, why+" (the jwt_certificate check covers the consumer key)")
		d.skip(CheckCallbackURL, why)
		d.skip(CheckScopes, why)
		return
	}
	if !d.orgReachable {
		for _, c := range []string{CheckConsumerKey, CheckCallbackURL, CheckScopes} {
			d.skip(c, "My Domain unreachable (see my_domain)")
		}
		return
	}
	o := d.authorize(ctx, d.s.ECA.Scopes)
	callback := d.s.CallbackURL()
	keyFix := fmt.Sprintf("%s → Consumer Key (Manage Consumer Details): copy it into %s (now %s); the app must have OAuth enabled and be installed in this org",
		eca, d.key("eca.client_id"), d.s.ECA.ClientID)
	switch {
	case o.unreachable != nil:
		d.fail(CheckConsumerKey, fmt.Sprintf("the authorize endpoint does not answer: %v", o.unreachable), "check "+d.key("org.login_url"))
		d.skip(CheckCallbackURL, "no answer from the authorize endpoint (see consumer_key)")
		d.skip(CheckScopes, "no answer from the authorize endpoint (see consumer_key)")
	case o.errorPage && (o.err == "redirect_uri_mismatch" || o.err == "redirect_uri_missing"):
		d.ok(CheckConsumerKey, "the org knows consumer key "+d.s.ECA.ClientID)
		d.fail(CheckCallbackURL, "the org shows its remote-access error page: "+o.words(),
			fmt.Sprintf("%s → Callback URL: add %s exactly (scheme, host, port and path)", eca, callback))
		d.skip(CheckScopes, "the authorize request stopped at the callback URL (see callback_url)")
	case o.errorPage:
		d.fail(CheckConsumerKey, "the org shows its remote-access error page: "+o.words(), keyFix)
		d.skip(CheckCallbackURL, "the org did not get as far as the callback URL (see consumer_key)")
		d.skip(CheckScopes, "the org did not get as far as the scopes (see consumer_key)")
	case o.status >= 300 && o.status <= 399 && o.toCallback && o.err != "":
		d.ok(CheckConsumerKey, "the org knows consumer key "+d.s.ECA.ClientID)
		d.ok(CheckCallbackURL, callback+" is registered (the org redirected to it)")
		d.authorizeRefused(ctx, o)
	case o.status >= 400:
		d.fail(CheckConsumerKey, fmt.Sprintf("the authorize endpoint answered HTTP %d", o.status), "check "+d.key("org.login_url"))
		d.skip(CheckCallbackURL, "the authorize endpoint failed (see consumer_key)")
		d.skip(CheckScopes, "the authorize endpoint failed (see consumer_key)")
	default:
		// The sign-in page itself (200) or a redirect to it: everything the
		// org checks before sign-in passed.
		d.ok(CheckConsumerKey, "the org knows consumer key "+d.s.ECA.ClientID)
		d.ok(CheckCallbackURL, callback+" is registered")
		d.ok(CheckScopes, fmt.Sprintf("the authorize request for %q reaches the sign-in page", strings.Join(d.s.ECA.Scopes, " ")))
	}
}

// authorizeRefused explains an error the org sent back to the callback URL.
func (d *siteDoctor) authorizeRefused(ctx context.Context, o authzOutcome) {
	detail := "the org refused the authorize request: " + o.words()
	switch {
	case o.err == "invalid_scope":
		var refused []string
		for _, sc := range d.s.ECA.Scopes {
			if one := d.authorize(ctx, []string{sc}); one.toCallback && one.err == "invalid_scope" {
				refused = append(refused, sc)
			}
		}
		if len(refused) == 0 {
			refused = d.s.ECA.Scopes
		}
		var labels []string
		seen := map[string]bool{}
		for _, sc := range refused {
			if l := config.ScopeLabel(sc); !seen[l] {
				seen[l] = true
				labels = append(labels, l)
			}
		}
		d.fail(CheckScopes, fmt.Sprintf("%s; refused: %s", detail, strings.Join(refused, " ")),
			fmt.Sprintf("%s → Selected OAuth Scopes: add %s (or remove it from %s)", eca, strings.Join(labels, "; "), d.key("eca.scopes")))
	case strings.Contains(o.desc, "code challenge"):
		d.fail(CheckScopes, detail, fmt.Sprintf("%s → Security → Require Proof Key for Code Exchange (PKCE): must match %s", eca, d.key("eca.pkce")))
	case o.err == "invalid_client_id" || o.err == "unauthorized_client":
		d.fail(CheckScopes, detail, eca+" → Flow Enablement → Enable Authorization Code and Credentials Flow: checked")
	default:
		d.fail(CheckScopes, detail, eca+": compare with `logateway check`'s checklist")
	}
}
