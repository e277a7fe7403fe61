package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

const loApps = "Setup → Lightning Out 2.0 App Manager"

// isJavaScript reports whether a Content-Type is one browsers execute.
func isJavaScript(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript", "application/ecmascript":
		return true
	}
	return false
}

// checkLOScript fetches the Lightning Out 2.0 library the embed page loads,
// following redirects as a browser would, and wants JavaScript.
func (d *siteDoctor) checkLOScript(ctx context.Context) {
	if !d.s.Embeds() {
		d.skip(CheckLOScript, "the site embeds no Lightning Out content")
		return
	}
	src := d.s.LightningOut.ScriptURL
	fix := fmt.Sprintf("%s: Lightning Out 2.0 must be available in this org (an app there shows the script tag to copy); %s must be that script's URL, or empty for <my_domain>/lightning/lightning.out.latest/index.iife.prod.js",
		loApps, d.key("lightning_out.script_url"))
	a, err := d.do(ctx, d.follow, http.MethodGet, src, nil, nil)
	if err != nil {
		d.fail(CheckLOScript, fmt.Sprintf("%s does not answer: %v", src, err), fix)
		return
	}
	d.scriptFinal = a.finalURL.String()
	ct := a.header.Get("Content-Type")
	if a.status != http.StatusOK || !isJavaScript(ct) {
		d.fail(CheckLOScript, fmt.Sprintf("%s answered HTTP %d %s, not the Lightning Out 2.0 library", src, a.status, orNone(ct)), fix)
		return
	}
	d.ok(CheckLOScript, fmt.Sprintf("%s answers JavaScript (%d bytes)", src, len(a.body)))
}

func orNone(ct string) string {
	if ct == "" {
		return "(no Content-Type)"
	}
	return ct
}

// checkACCSDK fetches the ACC Web SDK bundle in sdk mode. A path is the
// gateway's own (usually /__lo/static/…) and is asked of the gateway.
func (d *siteDoctor) checkACCSDK(ctx context.Context) {
	lo := d.s.LightningOut
	if !d.s.Embeds() || lo.Bootstrap != "sdk" {
		d.skip(CheckACCSDK, "lightning_out.bootstrap is "+lo.Bootstrap+": the page loads no ACC Web SDK bundle")
		return
	}
	fix := d.key("lightning_out.sdk_url") + ": the URL of the ACC Web SDK IIFE bundle (@salesforce/agentforce-conversation-client), served as JavaScript"
	var status int
	var ct string
	var size int
	if strings.HasPrefix(lo.SDKURL, "/") {
		if d.opts.Gateway == nil {
			d.skip(CheckACCSDK, lo.SDKURL+" is served by the gateway, which is not part of this run")
			return
		}
		rec := d.gatewayGet(lo.SDKURL, nil)
		status, ct, size = rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len()
		d.sdkFinal = d.s.URL + lo.SDKURL
	} else {
		a, err := d.do(ctx, d.follow, http.MethodGet, lo.SDKURL, nil, nil)
		if err != nil {
			d.fail(CheckACCSDK, fmt.Sprintf("%s does not answer: %v", lo.SDKURL, err), fix)
			return
		}
		status, ct, size = a.status, a.header.Get("Content-Type"), len(a.body)
		d.sdkFinal = a.finalURL.String()
	}
	if status != http.StatusOK || !isJavaScript(ct) {
		d.fail(CheckACCSDK, fmt.Sprintf("%s answered HTTP %d %s, not the ACC Web SDK bundle", lo.SDKURL, status, orNone(ct)), fix)
		return
	}
	d.ok(CheckACCSDK, fmt.Sprintf("%s answers JavaScript (%d bytes)", lo.SDKURL, size))
}

// The UI Bridge words that only say a session is missing or bad.
func isSessionWord(w string) bool { return w == "Missing_OAuth_Token" || w == "Bad_OAuth_Token" }

// bridgeWord reads the word the Lightning Out UI Bridge answered: a bare
// word, or {"error": word}.
func bridgeWord(a *answer) string {
	var j struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(a.body, &j) == nil && j.Error != "" {
		return j.Error
	}
	return clip(string(a.body), 60)
}

// checkLOApp asks the Lightning Out UI Bridge, without a session, for the
// configured app id and for a made-up one. When the org looks at the app id
// before the session, the configured app must be answered like a good one
// (only the session is missing) and unlike the made-up one; when the org
// looks at the session first, both get the same session word and nothing can
// be told without signing in, so the check is skipped, never guessed.
func (d *siteDoctor) checkLOApp(ctx context.Context) {
	appID := d.s.LightningOut.AppID
	switch {
	case !d.s.Embeds():
		d.skip(CheckLOApp, "the site embeds no Lightning Out content")
		return
	case appID == "":
		d.skip(CheckLOApp, "no lightning_out.app_id (apps made before Spring '26 need none)")
		return
	case !d.orgReachable:
		d.skip(CheckLOApp, "My Domain unreachable (see my_domain)")
		return
	}
	endpoint := d.s.Org.MyDomain + "/services/oauth2/lightningoutsingleaccess"
	ask := func(id string) (*answer, error) {
		return d.do(ctx, d.noRed, http.MethodPost, endpoint, url.Values{"lightning_out_app_id": {id}}, nil)
	}
	mine, err := ask(appID)
	if err != nil {
		d.fail(CheckLOApp, fmt.Sprintf("the Lightning Out UI Bridge does not answer: %v", err), "check "+d.key("org.my_domain"))
		return
	}
	other, err := ask(madeUpLOAppID())
	if err != nil {
		d.fail(CheckLOApp, fmt.Sprintf("the Lightning Out UI Bridge does not answer: %v", err), "check "+d.key("org.my_domain"))
		return
	}
	mw, ow := bridgeWord(mine), bridgeWord(other)
	fix := fmt.Sprintf("%s → the app with id %s → App Status: Enabled (and %s must equal the app id shown there)", loApps, appID, d.key("lightning_out.app_id"))
	switch {
	case mine.status == other.status && mw == ow && isSessionWord(mw):
		d.skip(CheckLOApp, fmt.Sprintf("the org asks for a session (%s) before it looks at the app id, so the app cannot be checked without signing in", mw))
	case mine.status == other.status && mw == ow:
		d.fail(CheckLOApp, fmt.Sprintf("the org refuses app id %s as it refuses a made-up one: HTTP %d %s", appID, mine.status, mw), fix)
	case isSessionWord(mw):
		d.ok(CheckLOApp, fmt.Sprintf("app %s is enabled: the org asked only for a session (%s) and refused a made-up app id (%s)", appID, mw, ow))
	default:
		d.fail(CheckLOApp, fmt.Sprintf("the org refuses app id %s: HTTP %d %s", appID, mine.status, mw), fix)
	}
}

// madeUpLOAppID is an app id of the right shape that no org has.
func madeUpLOAppID() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("1Us")
	for len(b) < 18 {
		b = append(b, alnum[rand.IntN(len(alnum))])
	}
	return string(b)
}

// gatewayGet asks the in-process gateway for a path of this site.
func (d *siteDoctor) gatewayGet(path string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, d.s.URL+path, nil)
	req.Host = d.s.Host()
	req.RemoteAddr = "127.0.0.1:1"
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "logateway-doctor")
	rec := httptest.NewRecorder()
	d.opts.Gateway.ServeHTTP(rec, req)
	return rec
}
