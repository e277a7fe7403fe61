package config

import (
	"fmt"
	"net"
	"time"
)

func validateSession(c *Config, ps *problems) {
	ss := &c.Session
	oneOf(ps, "session.store", ss.Store)
	positive(ps, "session.idle_timeout", ss.IdleTimeout)
	positive(ps, "session.absolute_timeout", ss.AbsoluteTimeout)
	if ss.IdleTimeout > 0 && ss.AbsoluteTimeout > 0 && ss.IdleTimeout > ss.AbsoluteTimeout {
		ps.add("session.idle_timeout", "make idle_timeout at most absolute_timeout",
			"%s is longer than session.absolute_timeout %s, so it never applies", ss.IdleTimeout, ss.AbsoluteTimeout)
	}
	positiveInt(ps, "session.max_sessions", ss.MaxSessions)
	switch {
	case ss.KeysEnv != "" && ss.KeysFile != "":
		ps.add("session.keys_env", "keep one of keys_env and keys_file", "both keys_env and keys_file are set; the keys must come from exactly one source")
	case ss.KeysEnv == "" && ss.KeysFile == "" && !c.Dev:
		ps.add("session.keys_env", "set keys_env: LOGATEWAY_SESSION_KEYS (comma-separated keys of 32+ bytes, e.g. from `openssl rand -base64 32`) or keys_file",
			"no session keys: the cookie cannot be signed and encrypted without them")
	}
	keyPath := "session.keys_env"
	if ss.KeysFile != "" {
		keyPath = "session.keys_file"
	}
	for i, k := range ss.Keys {
		if len(k) < 32 {
			ps.add(keyPath, "use keys of at least 32 bytes, e.g. from `openssl rand -base64 32`",
				"key %d of %d is %d bytes; each key must be at least 32", i+1, len(ss.Keys), len(k))
		}
	}
	r := &ss.Redis
	if ss.Store == "redis" {
		if len(r.Addrs) == 0 {
			ps.add("session.redis.addrs", "list at least one host:port, e.g. [\"redis:6379\"]", "session.store is redis but no addresses are given")
		}
		for i, a := range r.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				ps.add(fmt.Sprintf("session.redis.addrs[%d]", i), "write host:port, e.g. redis:6379", "%q is not host:port", a)
			}
		}
		if r.DB < 0 {
			ps.add("session.redis.db", "use 0 or a positive database number", "%d is negative", r.DB)
		}
		if r.PoolSize < 0 {
			ps.add("session.redis.pool_size", "use 0 (the client's default) or a positive size", "%d is negative", r.PoolSize)
		}
		positive(ps, "session.redis.dial_timeout", r.DialTimeout)
		positive(ps, "session.redis.read_timeout", r.ReadTimeout)
		positive(ps, "session.redis.write_timeout", r.WriteTimeout)
		if d := r.LocalCacheTTL; d != 0 && d != Off && (d < Duration(100*time.Millisecond) || d > Duration(10*time.Second)) {
			ps.add("session.redis.local_cache_ttl", "use off or a duration from 100ms to 10s, e.g. 2s (the default)", "%s is outside 100ms..10s", d)
		}
	}
	if r.PasswordEnv != "" && r.PasswordFile != "" {
		ps.add("session.redis.password_env", "keep one of password_env and password_file", "both password_env and password_file are set")
	}
}
