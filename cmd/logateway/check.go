package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/logateway/logateway/config"
	forwardauth "github.com/logateway/logateway/docs/forward-auth"
)

// check validates a config and prints the Salesforce Setup checklist and every
// effective setting with its source. Exit 2 on a bad config, with every problem listed.
func check(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file to check (default $LOGATEWAY_CONFIG)")
	dev := fs.Bool("dev", false, "check as dev mode (http origins and inline secrets allowed)")
	noSecrets := fs.Bool("no-secrets", false, "validate everything but secrets and key files: read no *_env variable and no *_file, key_file, cert_file or ca_file (for CI pipelines without the production secrets)")
	quiet := fs.Bool("quiet", false, "print only the verdict and the checklist, not the effective settings")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway check --config FILE [--no-secrets]\n\nValidates the config (every problem at once, with its key path and fix), prints,\nfor each site, what to enter in Salesforce Setup, the site's mode (full proxy,\nforward-auth, gateway only) and, in forward-auth mode, the front proxy configuration,\nthen every effective setting and where it came from (flag > environment\nLOGATEWAY_<PATH> > file > default). Exit status 2 when the config is bad.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	p, help, err := subcommandConfig(fs, args, path, getenv)
	if help || err != nil {
		return err
	}
	cfg, err := config.LoadWith(p, getenv, config.Options{Dev: *dev, NoSecrets: *noSecrets})
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	verdict := "config OK"
	if *noSecrets {
		verdict = "config OK apart from secrets and key files, which were not read (--no-secrets)"
	}
	fmt.Fprintf(stdout, "%s: %s (%d site(s)).\n\n", p, verdict, len(cfg.Sites))
	if ws := config.Warnings(cfg); len(ws) > 0 {
		for _, w := range ws {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
		fmt.Fprintln(stdout)
	}
	config.Checklist(stdout, cfg)
	for i := range cfg.Sites {
		if err := printMode(stdout, cfg, i); err != nil {
			return err
		}
	}
	if !*quiet {
		fmt.Fprint(stdout, "\nEffective settings (source: flag > env LOGATEWAY_<PATH> > file > default):\n")
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, s := range cfg.Settings() {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Path, s.Value, s.Source)
		}
		_ = tw.Flush()
	}
	return nil
}

// printMode says how a site is served and, in forward-auth mode, prints the
// front proxy configuration from docs/forward-auth filled in for the site.
func printMode(w io.Writer, cfg *config.Config, i int) error {
	s := &cfg.Sites[i]
	fmt.Fprintf(w, "\nsites[%d] %s: %s mode", i, s.URL, s.Mode())
	switch s.Mode() {
	case "full-proxy":
		fmt.Fprintf(w, " (the gateway serves the whole site, the upstream is %s)\n", s.Upstream.URL)
		return nil
	case "gateway-only":
		fmt.Fprintln(w, " (no upstream: the gateway serves only its own routes, e.g. the embed page)")
		return nil
	}
	file, proxy := "nginx.conf", "nginx (auth_request)"
	if s.ForwardAuth.SigninRedirect {
		file, proxy = "Caddyfile", "Caddy (forward_auth)"
	}
	fmt.Fprintf(w, " (the site's own proxy asks %s before each request)\n", "GET /__lo/auth")
	fmt.Fprintf(w, "Paste this into %s; replace %s with the site's backend. Traefik, Envoy and\n", proxy, forwardauth.DocBackend)
	fmt.Fprintf(w, "ingress-nginx are in docs/forward-auth (forward_auth.signin_redirect: %v).\n\n", s.ForwardAuth.SigninRedirect)
	h := s.IdentityHeaders
	ids := map[string]string{}
	for j, name := range []string{h.User, h.Email, h.PreferredUsername, h.OrgID, h.UserID, h.Name} {
		ids[forwardauth.DefaultIdentity[j]] = name
	}
	out, err := forwardauth.Render(file, forwardauth.Values{SiteHost: s.Host(), Gateway: reachable(cfg.Listen), CallbackPath: s.ECA.CallbackPath, Identity: ids})
	if err != nil {
		return err
	}
	fmt.Fprint(w, out)
	var extra []string
	if s.EmbedEnabled() && !strings.HasPrefix(s.Embed.Path, "/__lo/") {
		extra = append(extra, s.Embed.Path+" (embed.path)")
	}
	for j, r := range s.APIRelay {
		if !strings.HasPrefix(r.Prefix, "/__lo/") {
			extra = append(extra, fmt.Sprintf("%s* (api_relay[%d].prefix)", r.Prefix, j))
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "\nAlso route these paths to logateway as /__lo/ is: %s\n", strings.Join(extra, ", "))
	}
	return nil
}

// reachable turns a listen address into one a proxy on the same host can
// dial: ":8080" becomes "127.0.0.1:8080".
func reachable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
