package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/logateway/logateway/config"
)

// healthcheck asks a gateway on this host for /__lo/healthz and exits 0 only on
// 200. It exists for container HEALTHCHECKs: the distroless image has no shell
// and no curl, so the binary checks itself.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "URL to ask (default http://127.0.0.1:<port of LOGATEWAY_LISTEN or "+config.DefaultListen+">/__lo/healthz)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway healthcheck [--url URL]\n\nExits 0 when the gateway on this host answers its liveness probe with 200, 1 otherwise.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	u := *url
	if u == "" {
		u = healthURL(getenv("LOGATEWAY_LISTEN"))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return exitError{code: 2, msg: fmt.Sprintf("logateway healthcheck: bad --url %q: %v", u, err)}
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return exitError{code: 1, msg: fmt.Sprintf("logateway healthcheck: %s: %v", u, err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return exitError{code: 1, msg: fmt.Sprintf("logateway healthcheck: %s answered %d", u, resp.StatusCode)}
	}
	fmt.Fprintf(stdout, "ok: %s\n", u)
	return nil
}

// healthURL turns a listen address (":8080", "0.0.0.0:8080", "[::]:9000") into
// the liveness URL on loopback.
func healthURL(listen string) string {
	if listen == "" {
		listen = config.DefaultListen
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		host, port = "", "8080"
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/__lo/healthz"
}
