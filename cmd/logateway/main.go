// Command logateway is the Lightning Out 2.0 embedding gateway: it signs site
// visitors in to a Salesforce org, keeps their sessions, serves the page that
// bootstraps the Agentforce Conversation Client, and proxies the rest of the site.
//
// Run it with no config to get dev mode: the gateway on http://localhost:8080 and
// an emulated Salesforce org on http://127.0.0.1:8081.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var e exitError
		if errors.As(err, &e) {
			if e.msg != "" {
				fmt.Fprintln(os.Stderr, e.msg)
			}
			os.Exit(e.code)
		}
		fmt.Fprintln(os.Stderr, "logateway:", err)
		os.Exit(1)
	}
}

// exitError carries a specific exit status (2 for a bad config or usage).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

const usage = `logateway — embed Salesforce's Agentforce Conversation Client on your own site.

Usage:
  logateway [serve] [flags]     run the gateway (default). With no config: dev mode,
                                gateway on http://localhost:8080 + emulated org on
                                http://127.0.0.1:8081. With --require-config (the
                                container image): never dev mode; the config is
                                --config, LOGATEWAY_CONFIG or /etc/logateway/config.yaml.
  logateway check  --config F   validate the config and print, for each site, exactly
                                what to enter in Salesforce Setup.
  logateway doctor --config F   ask each site's org whether Setup matches the config
                                (no sign-in, nothing written); one line per check.
  logateway keygen [flags]      make an RSA key and self-signed certificate for the
                                JWT bearer flow (upload the certificate to the ECA).
  logateway devorg [flags]      run only the emulated Salesforce org.
  logateway reload [--admin A]  ask a running gateway to re-read its config
                                (same as SIGHUP).
  logateway healthcheck [--url U]
                                exit 0 when the local gateway's /__lo/healthz answers
                                200 (the container image's HEALTHCHECK).
  logateway version             print the version, commit, build date and Go version.

Run 'logateway <command> --help' for a command's flags.

Config: --config FILE or LOGATEWAY_CONFIG. Secrets come from the environment or
files (client_secret_env, client_secret_file, session.keys_env, ...), never from
the YAML outside dev mode. Reference: README.md, examples: config/examples/.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "check":
		return check(args, getenv, stdout, stderr)
	case "doctor":
		return doctorCmd(ctx, args, getenv, stdout, stderr)
	case "keygen":
		return keygen(args, stdout, stderr)
	case "devorg":
		return devorgCmd(ctx, args, stdout, stderr)
	case "reload":
		return reloadCmd(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stdout, stderr)
	case "version", "--version":
		printVersion(stdout, buildInfo(debug.ReadBuildInfo))
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return exitError{code: 2, msg: fmt.Sprintf("logateway: unknown command %q", cmd)}
}
