package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// reloadCmd asks a running gateway, through its admin listener, to re-read its
// config. The gateway validates the new config first and keeps the old one if it
// is bad; the answer says which.
func reloadCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("admin", "127.0.0.1:9090", "the gateway's admin listen address")
	tokenEnv := fs.String("token-env", "", "environment variable holding the admin bearer token (the config's admin_token_env)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+*admin+"/reload", nil)
	if *tokenEnv != "" {
		tok := getenv(*tokenEnv)
		if tok == "" {
			return fmt.Errorf("reload: environment variable %s (-token-env) is not set", *tokenEnv)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reload: cannot reach the admin listener at %s: %w", *admin, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return exitError{code: 1, msg: string(body)}
	}
	fmt.Fprint(stdout, string(body))
	return nil
}
