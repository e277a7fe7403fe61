package config

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"
)

// ResolveSecrets fills the yaml:"-" fields from their sources: ECA.Secret and IdP.Secret
// (client_secret_env, client_secret_file, or inline in dev mode), Session.Keys (keys_env,
// comma-separated, or keys_file, one per line; random in dev mode when neither is set),
// Redis.Password (password_env or password_file) and Signin.JWT.Key/Cert (key_file,
// cert_file, checked by LoadJWTKey) when a jwt-bearer flow needs them. It reports every
// source it cannot use, naming environment variables but never their values. Sources that
// Validate already refuses (two at once, inline outside dev) are left alone here.
func ResolveSecrets(c *Config, getenv func(string) string) error {
	ps := &problems{}
	resolveSecrets(c, getenv, time.Now(), ps)
	return ps.err("")
}

func resolveSecrets(c *Config, getenv func(string) string, now time.Time, ps *problems) {
	if c.AdminTokenEnv != "" {
		c.AdminToken = strings.TrimSpace(getenv(c.AdminTokenEnv))
		if len(c.AdminToken) < 16 {
			ps.add("admin_token_env", fmt.Sprintf("export %s with a random token of 16+ characters", c.AdminTokenEnv),
				"environment variable %s is not set or shorter than 16 characters", c.AdminTokenEnv)
		}
	}
	resolveSessionKeys(c, getenv, ps)

	r := &c.Session.Redis
	if r.PasswordEnv == "" || r.PasswordFile == "" {
		if v, ok := readSecret(ps, "session.redis.password", "", r.PasswordEnv, r.PasswordFile, getenv); ok {
			r.Password = v
		}
	}

	for i := range c.Sites {
		resolveSiteSecrets(c, &c.Sites[i], fmt.Sprintf("sites[%d]", i), getenv, now, ps)
	}
}

// resolveSessionKeys reads session.keys_env or keys_file, or makes a random key in
// dev mode when neither is set.
func resolveSessionKeys(c *Config, getenv func(string) string, ps *problems) {
	ss := &c.Session
	switch {
	case ss.KeysEnv != "" && ss.KeysFile == "":
		v := getenv(ss.KeysEnv)
		if strings.TrimSpace(v) == "" {
			ps.add("session.keys_env", fmt.Sprintf("export %s with comma-separated keys of 32+ bytes", ss.KeysEnv),
				"environment variable %s is not set or empty", ss.KeysEnv)
		} else {
			ss.Keys = nil
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					ss.Keys = append(ss.Keys, []byte(k))
				}
			}
		}
	case ss.KeysFile != "" && ss.KeysEnv == "":
		data, err := os.ReadFile(ss.KeysFile)
		if err != nil {
			ps.add("session.keys_file", "check the path and that the gateway's user can read it", "cannot read %s: %v", ss.KeysFile, unwrapPathErr(err))
			break
		}
		ss.Keys = nil
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				ss.Keys = append(ss.Keys, []byte(line))
			}
		}
		if len(ss.Keys) == 0 {
			ps.add("session.keys_file", "write one key of 32+ bytes per line", "%s holds no keys", ss.KeysFile)
		}
	case ss.KeysEnv == "" && ss.KeysFile == "" && c.Dev && len(ss.Keys) == 0:
		// Dev mode: sessions do not survive a restart, which is fine for local work.
		ss.Keys = [][]byte{randomKey()}
	}
}

// resolveSiteSecrets reads the site's client secrets, CA file and JWT key.
func resolveSiteSecrets(c *Config, s *Site, p string, getenv func(string) string, now time.Time, ps *problems) {
	e := &s.ECA
	if one(e.ClientSecret, e.ClientSecretEnv, e.ClientSecretFile) && (e.ClientSecret == "" || c.Dev) {
		if v, ok := readSecret(ps, p+".eca.client_secret", e.ClientSecret, e.ClientSecretEnv, e.ClientSecretFile, getenv); ok {
			e.Secret = v
		}
	}
	idp := &s.Signin.IdP
	if s.Signin.Flow == "jwt-bearer" && one(idp.ClientSecret, idp.ClientSecretEnv, idp.ClientSecretFile) && (idp.ClientSecret == "" || c.Dev) {
		if v, ok := readSecret(ps, p+".signin.idp.client_secret", idp.ClientSecret, idp.ClientSecretEnv, idp.ClientSecretFile, getenv); ok {
			idp.Secret = v
		}
	}
	resolveCAFile(s, p, ps)
	if needsJWTKey(s) && s.Signin.JWT.KeyFile != "" {
		key, cert, kps := LoadJWTKey(s.Signin.JWT.KeyFile, s.Signin.JWT.CertFile, now)
		for _, kp := range kps {
			path := p + ".signin.jwt.key_file"
			if kp.Cert {
				path = p + ".signin.jwt.cert_file"
			}
			ps.list = append(ps.list, Problem{Path: path, Message: kp.Message, Fix: kp.Fix})
		}
		s.Signin.JWT.Key, s.Signin.JWT.Cert = key, cert
	}
}

// needsJWTKey reports whether any flow of the site signs JWT bearer assertions.
func needsJWTKey(s *Site) bool {
	if s.Signin.Flow == "jwt-bearer" {
		return true
	}
	for _, r := range s.APIRelay {
		if r.Identity == "service" && r.ServiceFlow == "jwt-bearer" {
			return true
		}
	}
	return false
}

func one(vs ...string) bool {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n == 1
}

// readSecret reads one secret from whichever single source is set. base is the key path
// without the _env/_file suffix. ok is false when no source is set or it failed.
func readSecret(ps *problems, base, inline, env, file string, getenv func(string) string) (string, bool) {
	switch {
	case inline != "":
		return inline, true
	case env != "":
		v := getenv(env)
		if strings.TrimSpace(v) == "" {
			ps.add(base+"_env", fmt.Sprintf("export %s, or use %s_file", env, lastKey(base)), "environment variable %s is not set or empty", env)
			return "", false
		}
		return strings.TrimSpace(v), true
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			ps.add(base+"_file", "check the path and that the gateway's user can read it", "cannot read %s: %v", file, unwrapPathErr(err))
			return "", false
		}
		// Files written by editors and `echo` end in a newline that is not part of the secret.
		v := strings.TrimSpace(string(data))
		if v == "" {
			ps.add(base+"_file", "write the secret into the file", "%s is empty", file)
			return "", false
		}
		return v, true
	}
	return "", false
}

func lastKey(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("config: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return k
}
