package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/logateway/logateway/config"
)

// check validates a config and prints the Salesforce Setup checklist. Exit 2 on a
// bad config, with every problem listed.
func check(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file to check (default $LOGATEWAY_CONFIG)")
	dev := fs.Bool("dev", false, "check as dev mode (http origins and inline secrets allowed)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway check --config FILE\n\nValidates the config (every problem at once, with its key path and fix) and prints,\nfor each site, what to enter in Salesforce Setup. Exit status 2 when the config is bad.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	p := *path
	if p == "" {
		p = config.PathFromEnv(getenv)
	}
	if p == "" {
		return exitError{code: 2, msg: "logateway check: no config: pass --config FILE or set LOGATEWAY_CONFIG"}
	}
	load := config.Load
	if *dev {
		load = config.LoadDev
	}
	cfg, err := load(p, getenv)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	fmt.Fprintf(stdout, "%s: config OK (%d site(s)).\n\n", p, len(cfg.Sites))
	config.Checklist(stdout, cfg)
	return nil
}
