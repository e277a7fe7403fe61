package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/doctor"
	"github.com/logateway/logateway/templates"
)

// doctorCmd probes each site's org (and a gateway built from the config) and
// prints one line per check. Exit 1 when a check fails, 2 for a bad config.
func doctorCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (default $LOGATEWAY_CONFIG)")
	site := fs.String("site", "", "check only the site with this url")
	asJSON := fs.Bool("json", false, "print the report as JSON (for CI and monitoring)")
	dev := fs.Bool("dev", false, "load the config as dev mode (http origins and inline secrets allowed)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway doctor --config FILE [--site URL] [--json]\n\nAsks each site's Salesforce org, the way an unauthenticated client can, whether Setup\nmatches the config, and prints one line per check; a failing line names the Setup screen\nand field to change. Nothing is written in the org and no one signs in.\nExit status 1 when a check fails, 2 when the config is bad.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	p, help, err := subcommandConfig(fs, args, path, getenv)
	if help || err != nil {
		return err
	}
	load := config.Load
	if *dev {
		load = config.LoadDev
	}
	cfg, err := load(p, getenv)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	rep, err := runDoctor(ctx, cfg, *site, stderr)
	if err != nil {
		return exitError{code: 2, msg: "logateway doctor: " + err.Error()}
	}
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Failures() > 0 {
		return exitError{code: 1}
	}
	return nil
}

// runDoctor runs the checks with a private gateway built from cfg, so asking
// it for the callback and embed pages touches no running gateway's sessions,
// logs or metrics.
func runDoctor(ctx context.Context, cfg *config.Config, site string, warn io.Writer) (*doctor.Report, error) {
	orgHTTP := &http.Client{Timeout: 15 * time.Second, Transport: orgTransport()}
	opts := doctor.Options{HTTP: orgHTTP, OrgClient: gateway.OrgClient, Site: site}
	gw, closeGW, err := doctorGateway(cfg, orgHTTP)
	if err != nil {
		// The org can still be asked; the gateway-side checks say they were skipped.
		fmt.Fprintf(warn, "logateway doctor: %v; the callback, embed and sdk checks are skipped\n", err)
	} else {
		defer closeGW()
		opts.Gateway = gw
	}
	return doctor.Run(ctx, cfg, opts)
}

func doctorGateway(cfg *config.Config, orgHTTP *http.Client) (http.Handler, func(), error) {
	tpl, err := templates.New()
	if err != nil {
		return nil, nil, err
	}
	store := session.NewMemoryStore(session.MemoryOptions{MaxSessions: 16})
	gw, err := gateway.New(cfg, gateway.Deps{
		Logger:    slog.New(slog.DiscardHandler),
		Metrics:   obs.NewMetrics(),
		Store:     store,
		OrgHTTP:   orgHTTP,
		Templates: tpl,
	})
	if err != nil {
		_ = store.Close()
		return nil, nil, fmt.Errorf("building the gateway from the config: %w", err)
	}
	return gw, func() { _ = store.Close() }, nil
}

// adminDoctor is the admin listener's GET /doctor: the checks of `logateway
// doctor` for the config in force (reloads included), run at most every
// doctor.DefaultMaxAge and cached in between.
func adminDoctor(gw *gateway.Gateway) http.Handler {
	return doctor.Handler(func(ctx context.Context) (*doctor.Report, error) {
		return runDoctor(ctx, gw.Config(), "", io.Discard)
	}, doctor.DefaultMaxAge)
}
