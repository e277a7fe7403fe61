package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// upstreamBody is the site's page: 1 KiB. bigBody, at bigPath, is the 1 MiB
// response of the scaling table.
var (
	upstreamBody = []byte(strings.Repeat("<p>logateway bench page</p>\n", 37)[:1024])
	bigBody      = []byte(strings.Repeat("<p>logateway bench page</p>\n", 37*1024)[:1<<20])
)

const bigPath = "/app/big"

// startUpstream runs the site behind both proxies in the harness's own process:
// its CPU is the same for every proxy under test, so it is not measured.
func startUpstream() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			if r.URL.Path == bigPath {
				_, _ = w.Write(bigBody)
				return
			}
			_, _ = w.Write(upstreamBody)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// runBare is the yardstick, run as its own process (-role=bare): a bare
// httputil.ReverseProxy with the transport a careful operator would write
// (enough idle connections per host, no compression games, pooled buffers),
// and nothing else: no sessions, no logs, no metrics.
func runBare(listen, upstream string) error {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-upstream: %q is not an http URL", upstream)
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
		ReadBufferSize:        32 << 10,
		WriteBufferSize:       32 << 10,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		Transport:  tr,
		BufferPool: &bufPool{},
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	return serveUntilSignal(ln, rp)
}

// serveUntilSignal serves h on ln until the harness stops this process.
func serveUntilSignal(ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// bufPool gives ReverseProxy reusable 32 KiB copy buffers.
type bufPool struct{ p sync.Pool }

func (b *bufPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufPool) Put(buf []byte) { b.p.Put(&buf) }
