package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logateway/logateway/config"
)

// Options are what a run needs besides the config.
type Options struct {
	// HTTP makes every request to the org. Doctor never lets it follow a
	// redirect on its own (it reads them); nil uses a client with a 15s timeout.
	HTTP *http.Client
	// OrgClient derives a site's client from HTTP (org.ca_file); nil uses HTTP
	// as it is.
	OrgClient func(base *http.Client, org config.Org) (*http.Client, error)
	// Gateway is a gateway built from the same config. Requests for the
	// callback path, the embed page and a relative sdk_url go to it in
	// process; nil skips those checks.
	Gateway http.Handler
	// LookupHost resolves the site's host; nil uses net.DefaultResolver.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// Site limits the run to the site whose url equals it; "" runs every site.
	Site string
	// Now is the clock (JWT assertions); nil uses time.Now.
	Now func() time.Time
}

// ErrNoSuchSite is returned when Options.Site names no configured site.
var ErrNoSuchSite = errors.New("doctor: no site with that url in the config")

// Run checks every site (or Options.Site) of cfg against its org and returns
// the report. It fails only when Options.Site matches no site; every problem
// the org or the gateway shows is a failed check in the report.
func Run(ctx context.Context, cfg *config.Config, opts Options) (*Report, error) {
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.LookupHost == nil {
		opts.LookupHost = net.DefaultResolver.LookupHost
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rep := &Report{Time: opts.Now().UTC()}
	for i := range cfg.Sites {
		s := &cfg.Sites[i]
		if opts.Site != "" && strings.TrimRight(opts.Site, "/") != s.URL {
			continue
		}
		d := newSiteDoctor(cfg, i, opts)
		rep.Sites = append(rep.Sites, d.run(ctx))
	}
	if len(rep.Sites) == 0 && opts.Site != "" {
		return nil, fmt.Errorf("%w: %q (sites: %s)", ErrNoSuchSite, opts.Site, siteURLs(cfg))
	}
	return rep, nil
}

func siteURLs(cfg *config.Config) string {
	var out []string
	for _, s := range cfg.Sites {
		out = append(out, s.URL)
	}
	return strings.Join(out, ", ")
}

// siteDoctor runs the checks of one site; later checks read what earlier ones
// found so that one wrong setting gives one failing line.
type siteDoctor struct {
	cfg     *config.Config
	idx     int
	s       *config.Site
	opts    Options
	noRed   *http.Client // never follows redirects
	follow  *http.Client // follows redirects (scripts may be redirected)
	secrets []string

	results map[string]Result
	order   []string

	clientErr error // the site's org client could not be made (org.ca_file)

	// What earlier checks learned.
	orgReachable bool
	disc         *discovery
	scriptFinal  string // the LO script's URL after redirects
	sdkFinal     string // the SDK bundle's URL after redirects
}

func newSiteDoctor(cfg *config.Config, idx int, opts Options) *siteDoctor {
	s := &cfg.Sites[idx]
	base := opts.HTTP
	var clientErr error
	if opts.OrgClient != nil {
		if c, err := opts.OrgClient(base, s.Org); err != nil {
			clientErr = err
		} else {
			base = c
		}
	}
	noRed := *base
	noRed.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	follow := *base
	follow.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		return nil
	}
	var secrets []string
	for _, v := range []string{s.ECA.Secret, s.ECA.ClientSecret, s.Signin.IdP.Secret, s.Signin.IdP.ClientSecret} {
		if len(v) >= 4 {
			secrets = append(secrets, v)
		}
	}
	return &siteDoctor{cfg: cfg, idx: idx, s: s, opts: opts, noRed: &noRed, follow: &follow,
		secrets: secrets, results: map[string]Result{}, clientErr: clientErr}
}

func (d *siteDoctor) run(ctx context.Context) SiteReport {
	d.checkMyDomain(ctx)
	d.checkDiscovery(ctx)
	d.checkJWKS(ctx)
	d.checkAuthorize(ctx)
	d.checkConsumerSecret(ctx)
	d.checkJWTCertificate(ctx)
	d.checkLOScript(ctx)
	d.checkACCSDK(ctx)
	d.checkLOApp(ctx)
	d.checkPublicURL(ctx)
	d.checkCallbackPath(ctx)
	d.checkEmbedCSP(ctx)
	d.checkTrustedDomains()
	rep := SiteReport{URL: d.s.URL, Org: d.s.Org.MyDomain}
	for _, name := range d.order {
		r := d.results[name]
		r.Detail, r.Fix = d.redact(r.Detail), d.redact(r.Fix)
		rep.Results = append(rep.Results, r)
	}
	return rep
}

// set records a check's result once, keeping the order of first mention.
func (d *siteDoctor) set(check string, st Status, detail, fix string) {
	if _, seen := d.results[check]; !seen {
		d.order = append(d.order, check)
	}
	if st != Fail {
		fix = ""
	}
	d.results[check] = Result{Check: check, Status: st, Detail: detail, Fix: fix}
}

func (d *siteDoctor) ok(check, detail string)        { d.set(check, OK, detail, "") }
func (d *siteDoctor) skip(check, detail string)      { d.set(check, Skip, detail, "") }
func (d *siteDoctor) fail(check, detail, fix string) { d.set(check, Fail, detail, fix) }

func (d *siteDoctor) failed(check string) bool { return d.results[check].Status == Fail }

// key names a config key of this site, as check and validation errors do.
func (d *siteDoctor) key(k string) string { return fmt.Sprintf("sites[%d].%s", d.idx, k) }

// redact is the last guard: whatever the org echoed, no configured secret
// leaves doctor.
func (d *siteDoctor) redact(s string) string {
	for _, sec := range d.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}

func (d *siteDoctor) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	t := d.s.Org.Timeout.D()
	if t <= 0 {
		t = 10 * time.Second
	}
	return context.WithTimeout(ctx, t)
}

// answer is what the org said to one probe.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	finalURL *url.URL
}

// maxBody bounds what doctor reads of any answer; scripts are only sniffed.
const maxBody = 256 << 10

// do sends one probe and reads at most maxBody of the answer.
func (d *siteDoctor) do(ctx context.Context, c *http.Client, method, target string, form url.Values, hdr http.Header) (*answer, error) {
	ctx, cancel := d.timeout(ctx)
	defer cancel()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "logateway-doctor")
	resp, err := c.Do(req)
	if err != nil {
		return nil, probeError(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, finalURL: resp.Request.URL}, nil
}

// probeError keeps a transport error readable and free of the request URL,
// whose query may carry a state or a challenge.
func probeError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// randomToken is a value nobody issued: a made-up refresh token, state, nonce.
func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// clip shortens text the org sent so one line stays one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// origin returns scheme://host[:port] of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// eca is how the fixes name the External Client App screens.
const eca = "Setup → External Client App Manager → (your app) → Edit Settings → OAuth Settings"
