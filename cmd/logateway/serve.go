package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
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
	path := f.config
	if path == "" {
		path = config.PathFromEnv(getenv)
	}
	if f.requireConfig {
		if path == "" {
			path = config.DefaultPath
		}
		if err := readable(path); err != nil {
			return exitError{code: 2, msg: fmt.Sprintf("logateway: no usable config at %s: %v. Mount the config file there or set LOGATEWAY_CONFIG to its path (--require-config: this command never starts dev mode)", path, err)}
		}
	}
	load := func() (*config.Config, error) {
		var c *config.Config
		var err error
		if f.dev {
			c, err = config.LoadDev(path, getenv)
		} else {
			c, err = config.Load(path, getenv)
		}
		if err != nil {
			return nil, err
		}
		c.ApplyOverrides(f.listen, f.admin, f.level)
		if f.format != "" {
			c.Log.Format = f.format
			c.SetSource("log.format", "flag --log-format")
		}
		return c, nil
	}

	var cfg *config.Config
	if path != "" {
		if cfg, err = load(); err != nil {
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

	listen := f.listen
	if cfg != nil {
		listen = cfg.Listen
	}
	if listen == "" {
		listen = config.DefaultListen
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w (is another gateway running? use --listen to pick another address)", listen, err)
	}
	defer ln.Close()

	var devOrgURL string
	var devUsers [][2]string
	var orgSrv *http.Server
	if cfg == nil { // dev mode with the emulated org
		port := ln.Addr().(*net.TCPAddr).Port
		gatewayURL := fmt.Sprintf("http://localhost:%d", port)
		orgLn, err := net.Listen("tcp", f.orgListen)
		if err != nil {
			return fmt.Errorf("dev mode: the emulated org cannot listen on %s: %w (use --dev-org-listen)", f.orgListen, err)
		}
		devOrgURL = "http://" + orgLn.Addr().String()
		oc := devorg.DefaultConfig(devOrgURL, []string{gatewayURL + "/callback.html"}, []string{gatewayURL})
		oc.Knobs, oc.DevBanner = true, true
		org, err := devorg.New(oc)
		if err != nil {
			return err
		}
		for _, u := range oc.Users {
			if u.Active && !u.APIOnly {
				devUsers = append(devUsers, [2]string{u.Username, u.Password})
			}
		}
		orgSrv = &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
		go func() { _ = orgSrv.Serve(orgLn) }()
		defer orgSrv.Close()
		cfg = config.Dev(gatewayURL, devOrgURL)
		cfg.ApplyOverrides("", f.admin, f.level)
		if err := config.Validate(cfg); err != nil {
			return fmt.Errorf("dev config: %w", err)
		}
	} else if cfg.Dev {
		devOrgURL = "(your config's org)"
	}

	metrics := obs.NewMetrics()
	bi := buildInfo(debug.ReadBuildInfo)
	metrics.SetBuildInfo(bi.Version, bi.Commit, bi.GoVersion)
	tracing, stopTracing, err := obs.NewTracing(ctx, getenv, bi.Version)
	if err != nil {
		return exitError{code: 2, msg: "logateway: " + err.Error()}
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stopTracing(sctx) // flush the last spans
	}()
	hooks := []redis.Hook{session.CommandTimer(metrics.RedisCommand)}
	if tracing != nil {
		hooks = append(hooks, session.CommandSpans(tracing.RedisSpan))
		logger.Info("tracing on: OTLP/HTTP export configured by OTEL_* variables")
	}
	store, err := newStore(cfg, hooks...)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	defer store.Close()
	tpl, err := templates.New()
	if err != nil {
		return err
	}
	accessOut := obs.NewBufferedWriter(stdout, 200*time.Millisecond)
	defer accessOut.Close()
	accessLog := obs.NewAccessLog(accessOut, format)
	gw, err := gateway.New(cfg, gateway.Deps{
		Logger: logger, AccessLog: accessLog, Metrics: metrics, Tracing: tracing, Store: store,
		OrgHTTP:   &http.Client{Timeout: 15 * time.Second, Transport: orgTransport()},
		Templates: tpl, DevOrgURL: devOrgURL, DevUsers: devUsers,
	})
	if err != nil {
		return exitError{code: 2, msg: "logateway: " + err.Error()}
	}

	reload := func() error {
		if path == "" {
			return errors.New("dev mode without a config file: nothing to reload")
		}
		c, err := load()
		if err != nil {
			logger.Error("config reload refused; the old config stays in force", "err", err.Error())
			return err
		}
		old := gw.Config()
		if c.Session.KeysEnv == "" && c.Session.KeysFile == "" {
			// Dev mode generated fresh random keys for the new config: keep the
			// ones in force, or every session would end at the reload.
			c.Session.Keys = old.Session.Keys
		}
		for _, k := range restartOnly(old, c) {
			logger.Warn("config reload: this setting changes only at restart; the running value stays", "key", k)
		}
		if err := gw.Reload(c); err != nil {
			logger.Error("config reload refused; the old config stays in force", "err", err.Error())
			return err
		}
		logger.Info("config reloaded", "file", path, "sites", len(c.Sites))
		return nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			_ = reload()
		}
	}()

	limits := cfg.Server
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: limits.ReadHeaderTimeout.D(),
		ReadTimeout:       limits.ReadTimeout.D(),
		WriteTimeout:      limits.WriteTimeout.D(),
		IdleTimeout:       limits.IdleTimeout.D(),
		MaxHeaderBytes:    limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	var adminSrv *http.Server
	if a := cfg.AdminListen; a != "" && a != "off" {
		aln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("admin listener %s: %w (use --admin-listen, or off)", a, err)
		}
		adminSrv = &http.Server{Handler: gw.AdminHandler(reload, limits.Pprof, adminDoctor(gw)), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- adminSrv.Serve(aln) }()
		logger.Info("admin listener", "addr", aln.Addr().String(), "metrics", "http://"+aln.Addr().String()+"/metrics")
	}
	for _, w := range config.Warnings(cfg) {
		logger.Warn("config: "+w.Message, "key", w.Path, "fix", w.Fix)
	}
	for _, s := range cfg.Sites {
		logger.Info("serving site", "url", s.URL, "org", s.Org.MyDomain, "callback", s.URL+s.ECA.CallbackPath, "embed", s.URL+s.Embed.Path)
	}
	if orgSrv != nil {
		logger.Warn("DEV MODE: signing in against an EMULATED Salesforce org; not for production",
			"gateway", cfg.Sites[0].URL, "emulated_org", devOrgURL, "try", cfg.Sites[0].URL+"/")
	} else if cfg.Dev {
		logger.Warn("DEV MODE (--dev): http origins, inline secrets and generated keys are allowed; not for production")
	}
	logger.Info("logateway listening", "addr", ln.Addr().String(), "version", bi.Version, "commit", bi.Commit)

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

// readable reports why path cannot be read as a config file, or nil.
func readable(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err != nil {
		return err
	} else if fi.IsDir() {
		return errors.New("is a directory, not a file")
	}
	return nil
}

func newStore(cfg *config.Config, hooks ...redis.Hook) (session.Store, error) {
	switch cfg.Session.Store {
	case "", "memory":
		return session.NewMemoryStore(session.MemoryOptions{MaxSessions: cfg.Session.MaxSessions}), nil
	case "redis":
		// go-redis logs every failed dial to stderr on its own; with Redis
		// down that is a line per request in no format of ours. The gateway
		// already logs each store failure (reason=session_store_unavailable)
		// and readyz reports it, so its global logger is silenced.
		redis.SetLogger(discardRedisLog{})
		r := cfg.Session.Redis
		var tc *tls.Config
		if r.TLS {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return session.NewRedisStore(session.RedisOptions{
			Addrs: r.Addrs, MasterName: r.MasterName, DB: r.DB, Username: r.Username, Password: r.Password,
			TLS: tc, KeyPrefix: r.KeyPrefix, PoolSize: r.PoolSize,
			DialTimeout: r.DialTimeout.D(), ReadTimeout: r.ReadTimeout.D(), WriteTimeout: r.WriteTimeout.D(),
			LocalCacheTTL: r.LocalCacheTTL.D(), Hooks: hooks,
		})
	}
	return nil, fmt.Errorf("session.store: %q is not a store; use memory or redis", cfg.Session.Store)
}

type discardRedisLog struct{}

func (discardRedisLog) Printf(context.Context, string, ...any) {}

// orgTransport talks to the org and IdP: bounded dials, kept-alive connections.
func orgTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 15 * time.Second
	return t
}

// restartOnly names the settings a reload cannot change: listeners, server
// limits, logging and the session store are built once at start.
func restartOnly(old, c *config.Config) []string {
	var out []string
	if old.Listen != c.Listen {
		out = append(out, "listen")
	}
	if old.AdminListen != c.AdminListen {
		out = append(out, "admin_listen")
	}
	if old.Log != c.Log {
		out = append(out, "log")
	}
	// server.hsts is read per request and changes at a reload; the rest of server does not.
	oldSrv, newSrv := old.Server, c.Server
	oldSrv.HSTS, newSrv.HSTS = config.HSTS{}, config.HSTS{}
	if oldSrv != newSrv {
		out = append(out, "server")
	}
	if old.Session.Store != c.Session.Store || !reflect.DeepEqual(old.Session.Redis, c.Session.Redis) || old.Session.MaxSessions != c.Session.MaxSessions {
		out = append(out, "session.store / session.redis / session.max_sessions")
	}
	return out
}
