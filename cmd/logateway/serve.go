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
	"runtime/debug"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/obs"
)

type serveFlags struct {
	config, listen, admin, level, format, orgListen string
	dev, requireConfig                              bool
}

func parseServe(args []string, stderr io.Writer) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("logateway serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "config file (YAML); default $LOGATEWAY_CONFIG; none: dev mode")
	fs.BoolVar(&f.requireConfig, "require-config", false, "never start dev mode: with no --config and no LOGATEWAY_CONFIG read "+config.DefaultPath+", and exit non-zero when it is missing (the container image's default)")
	fs.BoolVar(&f.dev, "dev", false, "dev mode: http origins, inline secrets and generated keys allowed; with no config, also starts the emulated org")
	fs.StringVar(&f.listen, "listen", "", "public listen address (overrides listen; default :8080)")
	fs.StringVar(&f.admin, "admin-listen", "", `admin listen address for /metrics and /reload (overrides admin_listen; default 127.0.0.1:9090; "off" disables)`)
	fs.StringVar(&f.level, "log-level", "", "log level: debug, info, warn, error (overrides log.level)")
	fs.StringVar(&f.format, "log-format", "", "log format: auto, text, json (overrides log.format)")
	fs.StringVar(&f.orgListen, "dev-org-listen", "127.0.0.1:8081", "dev mode without config: where the emulated org listens (keep it a different site from the gateway)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway [serve] [flags]\n\nRuns the gateway. With no --config and no LOGATEWAY_CONFIG it starts in dev mode\nagainst an emulated Salesforce org: open http://localhost:8080/ in a browser.\nOther commands: check, keygen, devorg, reload, version (logateway --help).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	return f, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseServe(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	file, err := serveConfigFile(f, getenv)
	if err != nil {
		return err
	}
	var cfg *config.Config
	if file.path != "" {
		if cfg, err = file.load(); err != nil {
			return exitError{code: 2, msg: err.Error()}
		}
	}
	level, format := f.level, f.format
	if cfg != nil {
		level, format = cfg.Log.Level, cfg.Log.Format
	}
	logger, err := obs.NewLogger(stderr, format, level)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	ln, err := listenPublic(f, cfg)
	if err != nil {
		return err
	}
	defer ln.Close()

	env := gatewayEnv{getenv: getenv, stdout: stdout, logger: logger, logFormat: format, build: buildInfo(debug.ReadBuildInfo)}
	var org *devOrg
	if cfg == nil { // dev mode with the emulated org
		if org, err = startDevOrg(ln, f); err != nil {
			return err
		}
		defer org.Close()
		cfg, env.devOrgURL, env.devUsers = org.cfg, org.url, org.users
	} else if cfg.Dev {
		env.devOrgURL = "(your config's org)"
	}
	gw, stop, err := newGateway(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer stop()
	rl := &reloader{path: file.path, load: file.load, gw: gw, logger: logger}
	defer rl.onSIGHUP()()
	return runServers(ctx, ln, cfg, gw, rl, org, env)
}

// listenPublic opens the public listener: --listen, else listen, else :8080.
func listenPublic(f serveFlags, cfg *config.Config) (net.Listener, error) {
	listen := f.listen
	if cfg != nil {
		listen = cfg.Listen
	}
	if listen == "" {
		listen = config.DefaultListen
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w (is another gateway running? use --listen to pick another address)", listen, err)
	}
	return ln, nil
}

// runServers serves the public listener on ln and, unless off, the admin
// listener, until ctx ends or a server fails; then it drains in-flight
// requests for server.shutdown_grace.
func runServers(ctx context.Context, ln net.Listener, cfg *config.Config, gw *gateway.Gateway, rl *reloader, org *devOrg, env gatewayEnv) error {
	logger := env.logger
	limits := cfg.Server
	srv := gateway.NewServer(gw, limits, logger)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	var adminSrv *http.Server
	if a := cfg.AdminListen; a != "" && a != "off" {
		aln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("admin listener %s: %w (use --admin-listen, or off)", a, err)
		}
		adminSrv = &http.Server{Handler: gw.AdminHandler(rl.Reload, limits.Pprof, adminDoctor(gw)), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- adminSrv.Serve(aln) }()
		logger.Info("admin listener", "addr", aln.Addr().String(), "metrics", "http://"+aln.Addr().String()+"/metrics")
	}
	logStartup(logger, cfg, org)
	logger.Info("logateway listening", "addr", ln.Addr().String(), "version", env.build.Version, "commit", env.build.Commit)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	grace := limits.ShutdownGrace.D()
	if grace <= 0 {
		grace = 10 * time.Second
	}
	logger.Info("shutting down: draining in-flight requests", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if adminSrv != nil {
		_ = adminSrv.Shutdown(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown grace ran out; remaining connections closed", "err", err.Error())
		_ = srv.Close()
	}
	logger.Info("stopped")
	return nil
}

// logStartup says what is served: config warnings, each site, and dev mode loudly.
func logStartup(logger *slog.Logger, cfg *config.Config, org *devOrg) {
	for _, w := range config.Warnings(cfg) {
		logger.Warn("config: "+w.Message, "key", w.Path, "fix", w.Fix)
	}
	for _, s := range cfg.Sites {
		logger.Info("serving site", "url", s.URL, "org", s.Org.MyDomain, "callback", s.URL+s.ECA.CallbackPath, "embed", s.URL+s.Embed.Path)
	}
	if org != nil {
		logger.Warn("DEV MODE: signing in against an EMULATED Salesforce org; not for production",
			"gateway", cfg.Sites[0].URL, "emulated_org", org.url, "try", cfg.Sites[0].URL+"/")
	} else if cfg.Dev {
		logger.Warn("DEV MODE (--dev): http origins, inline secrets and generated keys are allowed; not for production")
	}
}
