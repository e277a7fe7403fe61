package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// gatewayEnv is what the process gives the gateway beyond its config.
type gatewayEnv struct {
	getenv    func(string) string
	stdout    io.Writer // the access log
	logger    *slog.Logger
	logFormat string
	build     versionInfo
	devOrgURL string
	devUsers  [][2]string
}

// newGateway builds the gateway's dependencies (metrics, tracing, session
// store, templates, access log, org client) and the gateway itself. stop
// flushes and closes what was opened, last first; on error it has already run.
func newGateway(ctx context.Context, cfg *config.Config, env gatewayEnv) (gw *gateway.Gateway, stop func(), err error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	metrics := obs.NewMetrics()
	metrics.SetBuildInfo(env.build.Version, env.build.Commit, env.build.GoVersion)
	tracing, stopTracing, err := obs.NewTracing(ctx, env.getenv, env.build.Version)
	if err != nil {
		return nil, nil, exitError{code: 2, msg: "logateway: " + err.Error()}
	}
	closers = append(closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stopTracing(sctx) // flush the last spans
	})
	hooks := []session.Hook{session.CommandTimer(metrics.RedisCommand)}
	if tracing != nil {
		hooks = append(hooks, session.CommandSpans(tracing.RedisSpan))
		env.logger.Info("tracing on: OTLP/HTTP export configured by OTEL_* variables")
	}
	store, err := newStore(cfg, hooks...)
	if err != nil {
		return nil, nil, exitError{code: 2, msg: err.Error()}
	}
	closers = append(closers, func() { _ = store.Close() })
	tpl, err := templates.New()
	if err != nil {
		return nil, nil, err
	}
	var accessLog *obs.AccessLog
	if cfg.Log.Access != "off" {
		var closeLog func() error
		accessLog, closeLog = obs.NewBufferedAccessLog(env.stdout, env.logFormat)
		closers = append(closers, func() { _ = closeLog() })
	}
	gw, err = gateway.New(cfg, gateway.Deps{
		Logger: env.logger, AccessLog: accessLog, Metrics: metrics, Tracing: tracing, Store: store,
		OrgHTTP:   &http.Client{Timeout: 15 * time.Second, Transport: orgTransport()},
		Templates: tpl, DevOrgURL: env.devOrgURL, DevUsers: env.devUsers,
	})
	if err != nil {
		return nil, nil, exitError{code: 2, msg: "logateway: " + err.Error()}
	}
	return gw, closeAll, nil
}

func newStore(cfg *config.Config, hooks ...session.Hook) (session.Store, error) {
	switch cfg.Session.Store {
	case "", "memory":
		return session.NewMemoryStore(session.MemoryOptions{MaxSessions: cfg.Session.MaxSessions}), nil
	case "redis":
		r := cfg.Session.Redis
		var tc *tls.Config
		if r.TLS {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return session.NewRedisStore(session.RedisOptions{
			Addrs: r.Addrs, MasterName: r.MasterName, DB: r.DB, Username: r.Username, Password: r.Password,
			TLS: tc, KeyPrefix: r.KeyPrefix, PoolSize: r.PoolSize,
			DialTimeout: r.DialTimeout.D(), ReadTimeout: r.ReadTimeout.D(), WriteTimeout: r.WriteTimeout.D(),
			LocalCacheTTL: max(r.LocalCacheTTL.D(), 0), Hooks: hooks, // off is -1
		})
	}
	return nil, fmt.Errorf("session.store: %q is not a store; use memory or redis", cfg.Session.Store)
}

// orgTransport talks to the org and IdP: bounded dials, kept-alive connections.
func orgTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 15 * time.Second
	return t
}
