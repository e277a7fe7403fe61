package main

import (
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"syscall"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
)

// reloader re-reads the config file and swaps it into the running gateway, on
// SIGHUP or the admin listener's POST /reload. A config that does not load or
// build is refused and logged with the key at fault; the old one stays in force.
type reloader struct {
	path   string // "" in dev mode without a config file: nothing to reload
	load   func() (*config.Config, error)
	gw     *gateway.Gateway
	logger *slog.Logger
}

// Reload applies the config file as it is now.
func (r *reloader) Reload() error {
	if r.path == "" {
		return errors.New("dev mode without a config file: nothing to reload")
	}
	c, err := r.load()
	if err != nil {
		r.logger.Error("config reload refused; the old config stays in force", "err", err.Error())
		return err
	}
	old := r.gw.Config()
	if c.Session.KeysEnv == "" && c.Session.KeysFile == "" {
		// Dev mode generated fresh random keys for the new config: keep the
		// ones in force, or every session would end at the reload.
		c.Session.Keys = old.Session.Keys
	}
	for _, k := range restartOnly(old, c) {
		r.logger.Warn("config reload: this setting changes only at restart; the running value stays", "key", k)
	}
	if err := r.gw.Reload(c); err != nil {
		r.logger.Error("config reload refused; the old config stays in force", "err", err.Error())
		return err
	}
	r.logger.Info("config reloaded", "file", r.path, "sites", len(c.Sites))
	return nil
}

// onSIGHUP reloads at every SIGHUP until stop is called.
func (r *reloader) onSIGHUP() (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			_ = r.Reload()
		}
	}()
	return func() { signal.Stop(hup) }
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
