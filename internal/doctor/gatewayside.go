package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// checkPublicURL resolves the site's host: visitors and Salesforce's redirect
// to the callback URL both need it.
func (d *siteDoctor) checkPublicURL(ctx context.Context) {
	u, err := url.Parse(d.s.URL)
	if err != nil || u.Hostname() == "" {
		d.fail(CheckPublicURL, fmt.Sprintf("%q is not a URL", d.s.URL), d.key("url")+": the site's public origin, e.g. https://www.example.com")
		return
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		d.ok(CheckPublicURL, host+" is an IP address")
		return
	}
	ctx, cancel := d.timeout(ctx)
	defer cancel()
	addrs, err := d.opts.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		d.fail(CheckPublicURL, fmt.Sprintf("%s does not resolve: %v", host, probeError(err)),
			fmt.Sprintf("DNS: give %s an address that reaches the gateway (or correct %s)", host, d.key("url")))
		return
	}
	d.ok(CheckPublicURL, fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", ")))
}

// checkCallbackPath asks the gateway built from this config for the callback
// path on the site's host. The gateway's callback answers a request without
// a sign-in in progress with its own "FLOW_EXPIRED" error; anything else
// (not found, the upstream) means Salesforce would redirect visitors to a
// page that cannot finish sign-in.
func (d *siteDoctor) checkCallbackPath(_ context.Context) {
	if d.opts.Gateway == nil {
		d.skip(CheckCallbackPath, "no gateway in this run")
		return
	}
	path := d.s.ECA.CallbackPath
	rec := d.gatewayGet(path, http.Header{"X-Requested-With": {"logateway-doctor"}, "Accept": {"application/json"}})
	var body struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if body.Error != "FLOW_EXPIRED" {
		what := body.Error
		if what == "" {
			what = "a page that is not the gateway's callback"
		}
		d.fail(CheckCallbackPath, fmt.Sprintf("the gateway answers %s on %s with HTTP %d %s", path, d.s.Host(), rec.Code, what),
			fmt.Sprintf("%s must be a path the gateway owns for %s (default /callback.html)", d.key("eca.callback_path"), d.s.URL))
		return
	}
	d.ok(CheckCallbackPath, fmt.Sprintf("the gateway serves its OAuth callback at %s", d.s.CallbackURL()))
}

// checkEmbedCSP reads the Content-Security-Policy of the embed page the
// gateway serves and checks that it lets the page load the script it loads
// (where that script really comes from, after redirects) and frame the org.
func (d *siteDoctor) checkEmbedCSP(_ context.Context) {
	switch {
	case !d.s.Embeds():
		d.skip(CheckEmbedCSP, "the site embeds no Lightning Out content")
		return
	case !d.s.EmbedEnabled():
		d.skip(CheckEmbedCSP, "embed.path is off")
		return
	case d.opts.Gateway == nil:
		d.skip(CheckEmbedCSP, "no gateway in this run")
		return
	}
	rec := d.gatewayGet(d.s.Embed.Path+"?signedout=1", nil)
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != http.StatusOK || csp == "" {
		d.fail(CheckEmbedCSP, fmt.Sprintf("the gateway answers %s with HTTP %d and no CSP", d.s.Embed.Path, rec.Code), d.key("embed.path"))
		return
	}
	pol := parseCSP(csp)
	type need struct{ what, url, dir, key string }
	var needs []need
	if d.s.LightningOut.Bootstrap == "sdk" {
		sdk := d.sdkFinal
		if sdk == "" {
			sdk = d.s.LightningOut.SDKURL
			if strings.HasPrefix(sdk, "/") {
				sdk = d.s.URL + sdk
			}
		}
		needs = append(needs, need{"the ACC Web SDK bundle", sdk, "script-src", "lightning_out.sdk_url"})
	} else {
		src := d.scriptFinal
		if src == "" {
			src = d.s.LightningOut.ScriptURL
		}
		needs = append(needs, need{"the Lightning Out 2.0 library", src, "script-src", "lightning_out.script_url"})
	}
	needs = append(needs, need{"the org's Lightning Out frames", d.s.Org.MyDomain, "frame-src", "org.my_domain"})
	for _, n := range needs {
		if !pol.allows(n.dir, n.url, d.s.URL) {
			d.fail(CheckEmbedCSP, fmt.Sprintf("the embed page's CSP %s does not allow %s from %s", n.dir, n.what, origin(n.url)),
				fmt.Sprintf("%s: set it to where %s really is (the browser ends at %s)", d.key(n.key), n.what, n.url))
			return
		}
	}
	d.ok(CheckEmbedCSP, fmt.Sprintf("the embed page's CSP allows %s and frames from %s", origin(needs[0].url), origin(d.s.Org.MyDomain)))
}

// checkTrustedDomains wants every trusted domain to be an exact origin:
// frame-ancestors, CORS and redirects compare them character for character.
func (d *siteDoctor) checkTrustedDomains() {
	if len(d.s.TrustedDomains) == 0 {
		d.ok(CheckTrustedDomains, "none configured (only the site itself may frame and call it)")
		return
	}
	for i, td := range d.s.TrustedDomains {
		u, err := url.Parse(td)
		exact := err == nil && u.Host != "" && u.User == nil && (u.Path == "" || u.Path == "/") &&
			u.RawQuery == "" && u.Fragment == "" && !strings.Contains(td, "*") &&
			(u.Scheme == "https" || (u.Scheme == "http" && d.cfg.Dev))
		if !exact {
			d.fail(CheckTrustedDomains, fmt.Sprintf("%q is not an exact origin", td),
				fmt.Sprintf("%s: write scheme://host[:port], e.g. https://partner.example.org, no path or wildcard; Setup → Lightning Out 2.0 App Manager → Host Page Domain Names takes the same value",
					d.key(fmt.Sprintf("trusted_domains[%d]", i))))
			return
		}
	}
	d.ok(CheckTrustedDomains, fmt.Sprintf("%d exact origin(s): %s", len(d.s.TrustedDomains), strings.Join(d.s.TrustedDomains, ", ")))
}

// cspPolicy is a parsed Content-Security-Policy: directive → sources.
type cspPolicy map[string][]string

func parseCSP(h string) cspPolicy {
	p := cspPolicy{}
	for _, part := range strings.Split(h, ";") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := p[name]; !dup {
			p[name] = f[1:]
		}
	}
	return p
}

// fallbacks are the directives a browser falls back to (CSP level 3).
var fallbacks = map[string][]string{
	"script-src": {"script-src-elem", "script-src", "default-src"},
	"frame-src":  {"frame-src", "child-src", "default-src"},
}

// allows reports whether the policy lets a page at pageURL load target under
// directive: 'self', scheme sources, host sources with optional wildcard
// subdomain, port and path prefix.
func (p cspPolicy) allows(directive, target, pageURL string) bool {
	var list []string
	found := false
	for _, name := range fallbacks[directive] {
		if l, ok := p[name]; ok {
			list, found = l, true
			break
		}
	}
	if !found {
		return true // no directive at all: nothing restricts it
	}
	t, err := url.Parse(target)
	if err != nil || t.Host == "" {
		return false
	}
	for _, src := range list {
		if sourceMatches(src, t, pageURL) {
			return true
		}
	}
	return false
}

func sourceMatches(src string, t *url.URL, pageURL string) bool {
	s := strings.ToLower(src)
	switch {
	case s == "*":
		return t.Scheme == "http" || t.Scheme == "https"
	case s == "'self'":
		return origin(t.String()) == origin(pageURL)
	case strings.HasPrefix(s, "'"):
		return false // nonces, hashes, keywords: not a URL match
	case strings.HasSuffix(s, ":") && !strings.Contains(s, "/"):
		return t.Scheme+":" == s || (s == "http:" && t.Scheme == "https")
	}
	if !strings.Contains(s, "://") {
		s = t.Scheme + "://" + s
	}
	u, err := url.Parse(strings.Replace(s, "://*.", "://wildcard.", 1))
	if err != nil {
		return false
	}
	if u.Scheme != t.Scheme && !(u.Scheme == "http" && t.Scheme == "https") {
		return false
	}
	host := strings.ToLower(t.Hostname())
	if strings.Contains(s, "://*.") {
		suffix := strings.TrimPrefix(u.Hostname(), "wildcard")
		if !strings.HasSuffix(host, suffix) {
			return false
		}
	} else if host != u.Hostname() {
		return false
	}
	switch sp := u.Port(); sp {
	case "":
		if t.Port() != "" && t.Port() != defaultPort(t.Scheme) {
			return false
		}
	default:
		if sp != portOf(t) {
			return false
		}
	}
	if u.Path != "" && u.Path != "/" {
		if strings.HasSuffix(u.Path, "/") {
			return strings.HasPrefix(t.Path, u.Path)
		}
		return t.Path == u.Path
	}
	return true
}

// portOf returns the URL's port, or the scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return defaultPort(u.Scheme)
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}
