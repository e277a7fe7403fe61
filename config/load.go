package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path and returns the complete configuration: unknown keys
// checked, defaults applied, secrets resolved from the environment (through getenv) and
// files, every rule validated. On any problem it returns a *ValidationError listing all of
// them with key paths and lines (the command prints it and exits with status 2); other
// errors (file missing, not YAML) are returned as they are. Relative file paths in the
// config (keys_file, client_secret_file, key_file, …) are taken relative to the file's
// directory, so a config and its secrets can move together.
//
// Every scalar key can also be set by an environment variable named after its path
// (EnvName: sites[0].org.my_domain → LOGATEWAY_SITES_0_ORG_MY_DOMAIN), which wins over
// the file; the command's flags win over both. Config.Sources records which did.
func Load(path string, getenv func(string) string) (*Config, error) {
	return load(path, getenv, Options{})
}

// LoadDev is Load in dev mode: http origins, inline secrets and generated session keys
// are allowed. Only the command's explicit dev switch should call it.
func LoadDev(path string, getenv func(string) string) (*Config, error) {
	return load(path, getenv, Options{Dev: true})
}

// Options changes how LoadWith reads a config.
type Options struct {
	Dev bool // dev mode, as LoadDev
	// NoSecrets validates everything but secrets and key files: no environment
	// variable named by a *_env key and no file named by a *_file, key_file,
	// cert_file or ca_file key is read, so a CI job can check a config offline.
	// The result has no secrets filled in and must not be served.
	NoSecrets bool
}

// LoadWith is Load with options.
func LoadWith(path string, getenv func(string) string, o Options) (*Config, error) {
	return load(path, getenv, o)
}

func load(path string, getenv func(string) string, o Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w (set --config or LOGATEWAY_CONFIG to the config file)", path, unwrapPathErr(err))
	}
	return parse(data, path, getenv, o, time.Now())
}

// Parse is Load for YAML already in memory; file names it in messages, and relative file
// paths are taken relative to its directory ("" or a bare name: the working directory).
func Parse(data []byte, file string, getenv func(string) string, dev bool) (*Config, error) {
	return parse(data, file, getenv, Options{Dev: dev}, time.Now())
}

var typeErrLine = regexp.MustCompile(`^line (\d+): (.*)$`)

func parse(data []byte, file string, getenv func(string) string, o Options, now time.Time) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s is not valid YAML: %w", file, err)
	}
	ps := &problems{}
	lines := map[string]int{}
	checkKeys(&root, reflect.TypeOf(Config{}), "", lines, ps)

	var c Config
	if root.Kind != 0 {
		if err := root.Decode(&c); err != nil {
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				return nil, fmt.Errorf("config: %s: %w", file, err)
			}
			byLine := pathsByLine(lines)
			for _, msg := range te.Errors {
				pr := Problem{Message: msg, Fix: "write a value of the type the key expects (see config/examples)"}
				if m := typeErrLine.FindStringSubmatch(msg); m != nil {
					pr.Line, _ = strconv.Atoi(m[1])
					pr.Message = m[2]
					pr.Path = byLine[pr.Line]
				}
				ps.list = append(ps.list, pr)
			}
		}
	}
	c.Dev = o.Dev
	for _, l := range c.leaves() {
		if line, ok := lines[l.path]; ok {
			c.SetSource(l.path, fmt.Sprintf("file line %d", line))
		}
	}
	c.applyEnv(getenv, ps)
	// Relative paths are resolved before secrets are read so reading finds the files.
	if file != "" {
		c.resolvePaths(filepath.Dir(file))
	}
	c.Normalize()
	if !o.NoSecrets {
		resolveSecrets(&c, getenv, now, ps)
	}
	validate(&c, ps)
	ps.list = dedupe(ps.list)
	fillLines(ps.list, lines)
	sortByLine(ps.list)
	if err := ps.err(file); err != nil {
		return nil, err
	}
	return &c, nil
}

// pathsByLine inverts the key index: the deepest key path that starts on each line.
func pathsByLine(lines map[string]int) map[int]string {
	m := map[int]string{}
	for p, l := range lines {
		if cur, ok := m[l]; !ok || len(p) > len(cur) {
			m[l] = p
		}
	}
	return m
}

// dedupe drops a problem identical (same path and message) to an earlier one; the same
// JWT settings can be checked for both sign-in and a relay route.
func dedupe(list []Problem) []Problem {
	seen := map[[2]string]bool{}
	out := list[:0]
	for _, p := range list {
		k := [2]string{p.Path, p.Message}
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// resolvePaths makes relative file paths relative to dir. Idempotent.
func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Session.KeysFile)
	abs(&c.Session.Redis.PasswordFile)
	for i := range c.Sites {
		s := &c.Sites[i]
		abs(&s.ECA.ClientSecretFile)
		abs(&s.Signin.IdP.ClientSecretFile)
		abs(&s.Signin.JWT.KeyFile)
		abs(&s.Signin.JWT.CertFile)
		abs(&s.Upstream.TLSCAFile)
		abs(&s.Org.CAFile)
	}
}
