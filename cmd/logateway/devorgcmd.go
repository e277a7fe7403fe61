package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logateway/logateway/gateway/devorg"
)

// devorgCmd runs only the emulated org, for offline development of a site that
// talks to Salesforce, and for tests that want the org in another process.
func devorgCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway devorg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "where the emulated org listens")
	callbacks := fs.String("callback", "http://localhost:8080/callback.html", "comma-separated callback URLs registered on the emulated ECA")
	hosts := fs.String("host-origin", "http://localhost:8080", "comma-separated host page origins (Lightning Out trusted domains)")
	publicURL := fs.String("public-url", "", "the org's origin as browsers and the gateway reach it, e.g. https://org.example.test behind a TLS proxy (default: http://<listen address>)")
	file := fs.String("config", "", "YAML file describing the org: apps, callback URLs, certificates, pre-authorized users, users, org type, knobs (flags given explicitly win over it)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway devorg [--config devorg.yaml] [flags]\n\nRuns the emulated Salesforce org alone (OIDC, OAuth token flows, UI Bridge API,\nfrontdoor, Lightning Out 2.0 and ACC stand-ins). Test users are listed on its sign-in page.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	var f devorg.File
	if *file != "" {
		var err error
		if f, err = devorg.ReadFile(*file); err != nil {
			return exitError{code: 2, msg: "logateway devorg: " + err.Error()}
		}
		given := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
		if !given["public-url"] && f.PublicURL != "" {
			*publicURL = f.PublicURL
		}
		if !given["listen"] && f.Listen != "" {
			*listen = f.Listen
		}
	}
	origin, err := publicOrigin(*publicURL)
	if err != nil {
		return exitError{code: 2, msg: "logateway devorg: --public-url / public_url: " + err.Error()}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if origin == "" {
		origin = "http://" + ln.Addr().String()
	}
	cfg, err := f.Config(origin, split(*callbacks), split(*hosts))
	if err != nil {
		ln.Close()
		return exitError{code: 2, msg: "logateway devorg: " + err.Error()}
	}
	cfg.DevBanner = true
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	org, err := devorg.New(cfg)
	if err != nil {
		ln.Close()
		return exitError{code: 2, msg: "logateway devorg: " + err.Error()}
	}
	for _, a := range f.Approvals() {
		if err := org.Approve(a[0], a[1]); err != nil {
			ln.Close()
			return exitError{code: 2, msg: "logateway devorg: apps approved: " + err.Error()}
		}
	}
	srv := &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "emulated Salesforce org (dev only) at %s — client id %s\n", origin, cfg.Apps[0].ClientID)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// publicOrigin checks --public-url: empty (the listen address is the origin) or
// a bare http(s) origin, which becomes the issuer and every URL the org hands out.
func publicOrigin(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	switch {
	case err != nil:
		return "", fmt.Errorf("%q does not parse: %v; write https://host[:port]", raw, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("%q is not an http(s) origin; write https://host[:port]", raw)
	case u.User != nil, u.Path != "", u.RawQuery != "", u.Fragment != "":
		return "", fmt.Errorf("%q is not a bare origin; write %s://%s without path, query or user", raw, u.Scheme, u.Host)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
