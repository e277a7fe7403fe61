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
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway devorg [flags]\n\nRuns the emulated Salesforce org alone (OIDC, OAuth token flows, UI Bridge API,\nfrontdoor, Lightning Out 2.0 and ACC stand-ins). Test users are listed on its sign-in page.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	origin := "http://" + ln.Addr().String()
	cfg := devorg.DefaultConfig(origin, split(*callbacks), split(*hosts))
	cfg.Knobs, cfg.DevBanner = true, true
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	org, err := devorg.New(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "emulated Salesforce org (dev only) at %s — client id %s\n", origin, cfg.Apps[0].ClientID)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
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
