package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/logateway/logateway/config"
)

// configFile is where serve reads its config, at start and at every reload,
// with the command line's overrides applied on top of the file.
type configFile struct {
	path   string // "" in dev mode without a config: there is nothing to read
	flags  serveFlags
	getenv func(string) string
}

// serveConfigFile resolves the config path from --config, LOGATEWAY_CONFIG
// and --require-config. With --require-config a missing file is an exit error.
func serveConfigFile(f serveFlags, getenv func(string) string) (configFile, error) {
	path := f.config
	if path == "" {
		path = config.PathFromEnv(getenv)
	}
	if f.requireConfig {
		if path == "" {
			path = config.DefaultPath
		}
		if err := readable(path); err != nil {
			return configFile{}, exitError{code: 2, msg: fmt.Sprintf("logateway: no usable config at %s: %v. Mount the config file there or set LOGATEWAY_CONFIG to its path (--require-config: this command never starts dev mode)", path, err)}
		}
	}
	return configFile{path: path, flags: f, getenv: getenv}, nil
}

// load reads and validates the file (--dev: dev rules) and applies the flags.
func (c configFile) load() (*config.Config, error) {
	var cfg *config.Config
	var err error
	if c.flags.dev {
		cfg, err = config.LoadDev(c.path, c.getenv)
	} else {
		cfg, err = config.Load(c.path, c.getenv)
	}
	if err != nil {
		return nil, err
	}
	cfg.ApplyOverrides(c.flags.listen, c.flags.admin, c.flags.level)
	if c.flags.format != "" {
		cfg.Log.Format = c.flags.format
		cfg.SetSource("log.format", "flag --log-format")
	}
	return cfg, nil
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

// subcommandConfig parses a subcommand's flags and names the config file that
// its --config flag (the value behind path) or LOGATEWAY_CONFIG gives. help is
// true after -h, when the command has nothing more to do; no file is exit 2
// naming both ways to give one.
func subcommandConfig(fs *flag.FlagSet, args []string, path *string, getenv func(string) string) (file string, help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", true, nil
		}
		return "", false, exitError{code: 2}
	}
	file = *path
	if file == "" {
		file = config.PathFromEnv(getenv)
	}
	if file == "" {
		return "", false, exitError{code: 2, msg: fs.Name() + ": no config: pass --config FILE or set LOGATEWAY_CONFIG"}
	}
	return file, false, nil
}
