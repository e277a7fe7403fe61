package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/frontproxy"
	"github.com/logateway/logateway/internal/harness"
)

// The HTTPS suite runs the gateway and the emulated org the way production runs
// them: each behind Debian's Caddy, which terminates TLS with its own internal CA
// (`tls internal`), on .test names that only the browser (host resolver rules)
// and the gateway's outbound proxy map to loopback.

// freePort picks a loopback port for a process that takes its address on the
// command line.
func freePort(t *testing.T) int {
	t.Helper()
	p, err := frontproxy.ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsFront is a running Caddy: one https port, one site block per name.
type tlsFront struct {
	Port    int
	RootPEM string         // Caddy's internal root CA certificate
	Roots   *x509.CertPool // the same, for Go clients
	SPKI    []string       // base64 SHA-256 of the root's and intermediate's public keys (Chromium)
	Log     *harness.LogBuffer
}

// startCaddy runs caddy with `tls internal` in front of each upstream (host name
// → 127.0.0.1 address) and waits until it serves them.
func startCaddy(t *testing.T, upstreams map[string]string) *tlsFront {
	t.Helper()
	// Skips without caddy; fails when LOGATEWAY_REQUIRE_CADDY is set (CI).
	bin := frontproxy.Need(t, frontproxy.Caddy)
	dir := t.TempDir()
	f := &tlsFront{Port: freePort(t), Log: &harness.LogBuffer{}}
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\tlocal_certs\n\thttp_port %d\n\thttps_port %d\n\tstorage file_system %s\n}\n",
		freePort(t), f.Port, filepath.Join(dir, "data"))
	names := make([]string, 0, len(upstreams))
	for n := range upstreams {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		// Caddy keeps the Host header and sets X-Forwarded-Proto/-For/-Host.
		fmt.Fprintf(&b, "%s:%d {\n\ttls internal\n\treverse_proxy %s\n}\n", n, f.Port, upstreams[n])
	}
	cf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", cf, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "xdg"), "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"))
	cmd.Stdout, cmd.Stderr = f.Log, f.Log
	stopWith(t, cmd)
	pki := filepath.Join(dir, "data", "pki", "authorities", "local")
	f.RootPEM = filepath.Join(pki, "root.crt")
	deadline := time.Now().Add(20 * time.Second)
	for {
		root, rerr := os.ReadFile(f.RootPEM)
		inter, ierr := os.ReadFile(filepath.Join(pki, "intermediate.crt"))
		if rerr == nil && ierr == nil && len(root) > 0 && len(inter) > 0 {
			f.Roots = x509.NewCertPool()
			for _, p := range [][]byte{root, inter} {
				blk, _ := pem.Decode(p)
				if blk == nil {
					break
				}
				c, err := x509.ParseCertificate(blk.Bytes)
				if err != nil {
					t.Fatalf("caddy's CA certificate: %v", err)
				}
				sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
				f.SPKI = append(f.SPKI, base64.StdEncoding.EncodeToString(sum[:]))
			}
			if len(f.SPKI) == 2 && f.Roots.AppendCertsFromPEM(root) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("want caddy's internal CA within 20s, got none; caddy said:\n%s", f.Log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return f
}

// Client is a Go client that trusts Caddy's CA and reaches every .test name at
// Caddy's port; it follows no redirects.
func (f *tlsFront) Client() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: f.Roots, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", f.Port))
		},
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// waitServing polls url through Caddy until it answers 200.
func (f *tlsFront) waitServing(t *testing.T, url string, logs ...*harness.LogBuffer) {
	t.Helper()
	c := f.Client()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, l := range logs {
		t.Logf("process log:\n%s", l.String())
	}
	t.Fatalf("want %s served through caddy within 30s, last: %s\ncaddy said:\n%s", url, last, f.Log.String())
}

// connectProxy is the gateway's way to the .test names: an HTTP CONNECT proxy
// (as a corporate egress proxy would be, given to the gateway in HTTPS_PROXY)
// that sends every tunnel to Caddy. TLS stays end to end: the gateway checks
// Caddy's certificate against org.ca_file.
func connectProxy(t *testing.T, caddyPort int) string {
	t.Helper()
	target := fmt.Sprintf("127.0.0.1:%d", caddyPort)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Minute))
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil || req.Method != http.MethodConnect || !strings.HasSuffix(req.URL.Hostname(), ".test") {
					_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
					return
				}
				up, err := net.DialTimeout("tcp", target, 5*time.Second)
				if err != nil {
					_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
					return
				}
				defer up.Close()
				_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// logatewayBinary builds cmd/logateway once per test run: the suite runs the
// real binary, as production does.
func logatewayBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "logateway-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "logateway")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/logateway/logateway/cmd/logateway").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// runProcess starts bin with args and exactly env (plus PATH), logging to the
// returned buffer; it is killed when the test ends.
func runProcess(t *testing.T, bin string, args []string, env ...string) *harness.LogBuffer {
	t.Helper()
	log := &harness.LogBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Stdout, cmd.Stderr = log, log
	stopWith(t, cmd)
	return log
}

func stopWith(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("want %s started, got %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
}
