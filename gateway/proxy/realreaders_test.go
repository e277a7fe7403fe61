package proxy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The readers in readings_test.go are models. These tests ask the real
// programs — Node's WHATWG URL parser and nginx's $uri — for their reading of
// every generated target, check the models agree, and check that no target
// they route to a protected path is judged Public.

// requireTool finds a program, or fails when CI (or env=1) says it must be
// there, or skips.
func requireTool(t *testing.T, name, env string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} { // sbin is not always on PATH
		if p := filepath.Join(dir, name); exec.Command(p, "-v").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" || os.Getenv(env) == "1" {
		t.Fatalf("%s is not on PATH and CI=true or %s=1 requires it: %v", name, env, err)
	}
	t.Skipf("%s is not on PATH; set %s=1 to make this a failure", name, env)
	return ""
}

// nodePathnames asks Node for new URL(target, "http://site/").pathname of each
// target; "" marks a target the parser throws on.
func nodePathnames(t *testing.T, targets []string) []string {
	node := requireTool(t, "node", "LOGATEWAY_REQUIRE_NODE")
	const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{` +
		`process.stdout.write(JSON.stringify(JSON.parse(s).map(t=>{try{return new URL(t,'http://site/').pathname}catch(e){return ''}})))})`
	in, _ := json.Marshal(targets)
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(targets) {
		t.Fatalf("node answered %d pathnames (%v), want %d", len(got), err, len(targets))
	}
	return got
}

// nginxURIs runs nginx with `return 200 $uri` and sends it each target on one
// request line; "" marks a target nginx refuses (400).
func nginxURIs(t *testing.T, targets []string) []string {
	bin := requireTool(t, "nginx", "LOGATEWAY_REQUIRE_NGINX")
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nginx takes the port over; the window for a clash is tiny
	conf := fmt.Sprintf(`daemon off; master_process off; worker_processes 1;
pid %[1]s/nginx.pid; error_log %[1]s/error.log crit;
events { worker_connections 32; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  server { listen %[2]s; location / { return 200 "$uri"; } }
}
`, dir, addr)
	cf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", cf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("nginx: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var conn net.Conn
	for i := 0; i < 100; i++ {
		if conn, err = net.Dial("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("nginx did not listen on %s: %v", addr, err)
	}
	br := bufio.NewReader(conn)
	out := make([]string, len(targets))
	for i, target := range targets {
		if conn == nil {
			if conn, err = net.Dial("tcp", addr); err != nil {
				t.Fatal(err)
			}
			br = bufio.NewReader(conn)
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: site\r\n\r\n", target); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("nginx on %q: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			out[i] = string(body)
		}
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
	if conn != nil {
		conn.Close()
	}
	return out
}

func TestNodeAndNginxReadingsNeverReachAProtectedPathAnonymously(t *testing.T) {
	r := protectedSubtree(t)
	targets := generatedTargets()
	check := func(t *testing.T, reader string, readings []string, model func(string) (string, bool)) {
		mismatch, hits := 0, 0
		for i, target := range targets {
			got := readings[i]
			// Where the program has a reading the model must have the same one;
			// the model may read more (it does not refuse bad hosts).
			if want, ok := model(target); got != "" && (!ok || want != got) {
				if mismatch++; mismatch <= 10 {
					t.Errorf("%s reads %q as %q, the model as %q (ok=%v)", reader, target, got, want, ok)
				}
			}
			if got == "" {
				continue
			}
			// As is, cleaned, decoded, and up to a "?" (nginx's $uri sent on
			// unescaped by proxy_pass http://up$uri splits there).
			sent, _, _ := strings.Cut(got, "?")
			for _, p := range []string{got, path.Clean(got), unescapeOr(got), sent, path.Clean(sent)} {
				if r.judge(p) == Protected {
					hits++
					if r.MatchTarget(target) != Protected {
						t.Errorf("MatchTarget(%q) = Public, but %s routes it to %q, which is protected", target, reader, got)
					}
					break
				}
			}
		}
		if mismatch > 0 {
			t.Errorf("%s and its model disagree on %d of %d targets", reader, mismatch, len(targets))
		}
		if hits < len(targets)/3 {
			t.Errorf("%s routes only %d of %d targets to a protected path; the table lost its teeth", reader, hits, len(targets))
		}
		t.Logf("%s: %d targets, %d routed to a protected path", reader, len(targets), hits)
	}
	t.Run("Node's WHATWG URL parser", func(t *testing.T) {
		check(t, "node", nodePathnames(t, targets), whatwgPathname)
	})
	t.Run("nginx's decoded $uri", func(t *testing.T) {
		check(t, "nginx", nginxURIs(t, targets), nginxURI)
	})
}

func unescapeOr(p string) string {
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}
