// Package frontproxy runs Debian's real nginx or Caddy in front of a gateway in
// forward-auth mode, for tests, the browser suite and the benchmark. The
// configuration is the one in docs/forward-auth (embedded there), filled in
// with loopback addresses, so what the docs say is what runs.
// Each proxy gets an ephemeral loopback port and a temporary directory.
package frontproxy

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	forwardauth "github.com/logateway/logateway/docs/forward-auth"
)

// Kind is a front proxy: "nginx" or "caddy".
type Kind string

// The front proxies the tests run.
const (
	Nginx Kind = "nginx"
	Caddy Kind = "caddy"
)

// Options place one proxy.
type Options struct {
	Port    int    // loopback port to listen on (see ReservePort)
	Gateway string // logateway's host:port
	Backend string // the site backend's host:port
	// AuthOff drops nginx's auth_request: the same proxy without the
	// subrequest, the baseline of the benchmark's added latency.
	AuthOff bool
}

// SiteHost is the site's host as the gateway's config must name it:
// localhost:Port, the proxy's public address.
func (o Options) SiteHost() string { return fmt.Sprintf("localhost:%d", o.Port) }

// Proxy is a running front proxy.
type Proxy struct {
	Kind Kind
	URL  string // http://localhost:PORT
	Dir  string // its temporary directory (config, logs)
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// RequireEnv is the environment variable that makes a missing binary a failure
// instead of a skip (CI sets it).
func RequireEnv(k Kind) string { return "LOGATEWAY_REQUIRE_" + strings.ToUpper(string(k)) }

// Binary finds the proxy's binary: nginx in /usr/sbin (not always on a user's
// PATH), caddy on PATH.
func Binary(k Kind) (string, error) {
	if p, err := exec.LookPath(string(k)); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, string(k))
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (apt-get install %s)", k, k)
}

// Need returns the binary or skips the test; with RequireEnv(k) set (CI sets
// it) it fails instead.
func Need(t testing.TB, k Kind) string {
	t.Helper()
	p, err := Binary(k)
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv(k)) != "" {
		t.Fatalf("%v; %s is set, so this is a failure", err, RequireEnv(k))
	}
	t.Skipf("%v; skipping", err)
	return ""
}

// ReservePort finds a free loopback port for a proxy. The port is free when
// this returns; should another process take it before the proxy binds it,
// Start fails with the proxy's own message.
func ReservePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Render returns docs/forward-auth's configuration for k, filled in with o's
// loopback addresses and made to listen on o.Port over plain http.
func Render(k Kind, o Options) ([]byte, error) {
	name := map[Kind]string{Nginx: "nginx.conf", Caddy: "Caddyfile"}[k]
	if name == "" {
		return nil, fmt.Errorf("frontproxy: unknown proxy %q", k)
	}
	s, err := forwardauth.Render(name, forwardauth.Values{SiteHost: o.SiteHost(), Gateway: o.Gateway, Backend: o.Backend})
	if err != nil {
		return nil, err
	}
	edit := func(from, to string) {
		if err == nil && !strings.Contains(s, from) {
			err = fmt.Errorf("frontproxy: %s no longer has %q, which the tests replace", name, from)
		}
		s = strings.Replace(s, from, to, 1)
	}
	switch k {
	case Nginx:
		edit("listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", o.Port))
		edit("server_name "+o.SiteHost()+";", "server_name localhost;")
		if o.AuthOff {
			edit("auth_request /__lo/auth;", "auth_request off;")
		}
	case Caddy:
		edit("\n"+o.SiteHost()+" {", "\nhttp://"+o.SiteHost()+" {")
	}
	for _, addr := range []string{o.Gateway, o.Backend} {
		if err == nil && !strings.Contains(s, addr) {
			err = fmt.Errorf("frontproxy: %s does not mention %s after rendering", name, addr)
		}
	}
	return []byte(s), err
}

// Start runs the proxy k with the docs' configuration for o and stops it when
// the test ends. A missing binary skips the test, or fails it under
// RequireEnv(k).
func Start(t testing.TB, k Kind, o Options) *Proxy {
	t.Helper()
	bin := Need(t, k)
	p, err := StartE(bin, k, o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// StartE is Start for programs (the benchmark): bin is the binary, dir an
// empty directory the proxy may use.
func StartE(bin string, k Kind, o Options, dir string) (*Proxy, error) {
	conf, err := Render(k, o)
	if err != nil {
		return nil, err
	}
	p := &Proxy{Kind: k, URL: "http://" + o.SiteHost(), Dir: dir, out: &syncBuffer{}, done: make(chan struct{})}
	switch k {
	case Nginx:
		if err := os.WriteFile(filepath.Join(dir, "site.conf"), conf, 0o600); err != nil {
			return nil, err
		}
		for _, sub := range []string{"body", "proxy", "fastcgi", "uwsgi", "scgi"} {
			if err := os.MkdirAll(filepath.Join(dir, "tmp", sub), 0o700); err != nil {
				return nil, err
			}
		}
		// The http {} around the docs' file: a foreground, single-process
		// nginx whose files all live in dir.
		main := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    include %[1]s/site.conf;
}
`, dir)
		if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600); err != nil {
			return nil, err
		}
		p.cmd = exec.Command(bin, "-e", "stderr", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	case Caddy:
		// Global options for a test: no admin API, no certificates.
		conf = append([]byte("{\n\tadmin off\n\tauto_https off\n}\n\n"), conf...)
		cf := filepath.Join(dir, "Caddyfile")
		if err := os.WriteFile(cf, conf, 0o600); err != nil {
			return nil, err
		}
		p.cmd = exec.Command(bin, "run", "--config", cf, "--adapter", "caddyfile")
		p.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir+"/data", "XDG_CONFIG_HOME="+dir+"/config")
	}
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("frontproxy: starting %s: %w", k, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	addr := fmt.Sprintf("127.0.0.1:%d", o.Port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("frontproxy: %s exited at start: %s", k, p.out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("frontproxy: %s did not listen on %s within 10s: %s", k, addr, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the proxy and waits for it.
func (p *Proxy) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Log is what the proxy wrote to stdout and stderr so far.
func (p *Proxy) Log() string { return p.out.String() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
