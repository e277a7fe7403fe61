package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
)

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// stalledUpload opens a connection, sends a request head announcing total
// bytes and then sent bytes of body, and leaves the connection open with the
// body unfinished. It returns the connection (to close) and whether the
// gateway answered before the body was done, with the status.
func stalledUpload(t *testing.T, addr, head string, body io.Reader) (net.Conn, int) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	// A gateway that refuses early closes the connection while we write; the
	// write error is expected then, and the answer is already in the buffer.
	_, _ = io.Copy(conn, body)
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err != nil {
		return conn, 0 // no answer yet: the gateway is still reading
	}
	resp.Body.Close()
	return conn, resp.StatusCode
}

// repeatReader yields n bytes of c.
type repeatReader struct {
	n int64
	c byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestSignOutBodiesAreBoundedInMemoryAndOnDisk(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where mime/multipart would spill file parts
	env := harness.Start(t, harness.Options{})
	addr := strings.TrimPrefix(env.URL, "http://localhost")
	addr = "127.0.0.1" + addr
	host := strings.TrimPrefix(env.URL, "http://")

	const uploads, announced, sent = 4, 100 << 20, 40 << 20
	t.Run("four stalled 100 MB multipart sign-outs hold no upload in memory or on disk", func(t *testing.T) {
		before := heapInUse()
		conns := make([]net.Conn, uploads)
		statuses := make([]int, uploads)
		var wg sync.WaitGroup
		for i := range uploads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				const boundary = "XyZ"
				head := fmt.Sprintf("POST /__lo/logout HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n",
					host, env.URL, boundary, announced)
				part := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
				conns[i], statuses[i] = stalledUpload(t, addr, head, io.MultiReader(strings.NewReader(part), &repeatReader{n: sent - int64(len(part)), c: 'A'}))
			}()
		}
		wg.Wait()
		during := heapInUse()
		for _, c := range conns {
			c.Close()
		}
		grew := int64(during) - int64(before)
		t.Logf("heap in use before %d MiB, with %d stalled uploads of %d MiB sent: %d MiB (grew %d KiB)",
			before>>20, uploads, sent>>20, during>>20, grew>>10)
		for i, st := range statuses {
			if st != http.StatusUnsupportedMediaType {
				t.Errorf("upload %d: answer %d before the body ended, want 415 at once", i, st)
			}
		}
		if grew > 8<<20 {
			t.Errorf("heap grew by %d MiB while %d uploads were stalled, want under 8 MiB", grew>>20, uploads)
		}
		files, _ := os.ReadDir(tmp)
		if len(files) > 0 {
			t.Errorf("%d temporary file(s) in TMPDIR (%s…), want none", len(files), files[0].Name())
		}
	})

	t.Run("a url-encoded sign-out larger than 4 KiB is refused unread", func(t *testing.T) {
		before := heapInUse()
		body := io.MultiReader(strings.NewReader("csrf="), &repeatReader{n: 10 << 20, c: 'a'})
		head := fmt.Sprintf("POST /__lo/logout HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n",
			host, env.URL, 10<<20+5)
		conn, st := stalledUpload(t, addr, head, body)
		grew := int64(heapInUse()) - int64(before)
		conn.Close()
		if st != http.StatusRequestEntityTooLarge {
			t.Errorf("answer %d, want 413", st)
		}
		if grew > 4<<20 {
			t.Errorf("heap grew by %d MiB for one 10 MiB form, want under 4 MiB", grew>>20)
		}
	})

	t.Run("a chunked url-encoded sign-out without a length is cut at 4 KiB", func(t *testing.T) {
		c := harness.Client()
		// 64 KiB, 16 times the limit: small enough that the client has sent it all
		// before the gateway closes the connection after its 413 (a larger body
		// can meet a reset while still being written, and the answer is lost).
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/logout", io.MultiReader(strings.NewReader("rd=/&csrf="), &repeatReader{n: 64 << 10, c: 'b'}))
		req.Header.Set("Origin", env.URL)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.ContentLength = -1 // chunked
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("answer %d, want 413", resp.StatusCode)
		}
	})

	for _, ct := range []string{"text/plain", "application/json", "multipart/mixed; boundary=x", "application/x-www-form-urlencodedx", ""} {
		t.Run(fmt.Sprintf("a sign-out body of type %q is refused", ct), func(t *testing.T) {
			c := secSignedIn(t, env)
			tok := secCSRF(t, env, c)
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/logout", strings.NewReader("csrf="+tok))
			req.Header.Set("Origin", env.URL)
			if ct != "" {
				req.Header["Content-Type"] = []string{ct}
			}
			resp, err := noFollow(c).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Errorf("answer %d, want 415", resp.StatusCode)
			}
			if si := getSession(t, c, env.URL); !si.SignedIn {
				t.Error("a refused sign-out signed the visitor out")
			}
		})
	}
}

func TestFlowCookiesAreCappedAfter180SignInStarts(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	nf := noFollow(c)
	u, _ := url.Parse(env.URL)
	flowCookies := func() (n, bytes int) {
		for _, ck := range c.Jar.Cookies(u) {
			if strings.HasPrefix(ck.Name, "lo-flow-") {
				n++
				bytes += len(ck.Name) + len(ck.Value) + 3
			}
		}
		return n, bytes
	}
	// One click on a hostile page can start this many sign-ins in the
	// background (images, iframes, fetches with credentials).
	for i := range 180 {
		resp, err := nf.Get(env.URL + "/__lo/login?rd=" + url.QueryEscape(fmt.Sprintf("/page-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("start %d answered %d, want 302 to the org", i, resp.StatusCode)
		}
	}
	n, size := flowCookies()
	t.Logf("after 180 sign-in starts: %d flow cookies, %d bytes of them in every request", n, size)
	if n > auth.MaxFlows {
		t.Errorf("%d flow cookies after 180 starts, want at most %d", n, auth.MaxFlows)
	}
	if resp, err := c.Get(env.URL + "/__lo/session"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /__lo/session after 180 starts: %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("signing in after 180 starts: %v", err)
	}
	if si := getSession(t, c, env.URL); !si.SignedIn {
		t.Error("not signed in after completing the newest sign-in")
	}
}

// failingStore is a session store whose backend is down, with an error that
// names internal addresses.
type failingStore struct{ session.Store }

func (failingStore) Ping(context.Context) error {
	return errors.New("dial tcp 10.1.2.3:6379: connect: connection refused (redis-internal.corp)")
}

func TestReadyzKeepsTheCauseInTheLog(t *testing.T) {
	logs := &secLog{}
	env := harness.Start(t, harness.Options{
		Store:  failingStore{session.NewMemoryStore(session.MemoryOptions{})},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	resp, body := secDo(t, harness.Client(), http.MethodGet, env.URL+"/__lo/readyz", nil, "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz answered %d, want 503", resp.StatusCode)
	}
	for _, internal := range []string{"10.1.2.3", "6379", "redis-internal", "dial tcp"} {
		if strings.Contains(body, internal) {
			t.Errorf("readyz told an anonymous caller %q: %q", internal, body)
		}
	}
	if !strings.Contains(logs.String(), "redis-internal.corp") {
		t.Error("the log does not have the cause")
	}
}

func TestGetBodiesAreNotForwarded(t *testing.T) {
	p := startPx(t, nil)
	smuggled := "GET /private/x HTTP/1.1\r\nHost: a\r\n\r\n"
	for _, m := range []string{"GET", "HEAD"} {
		t.Run(m+" with a body reaches the upstream without it", func(t *testing.T) {
			p.a.uploaded.Store(-1)
			resp, _ := p.raw(t, m, "/upload", p.hostA, fmt.Sprintf("Content-Length: %d", len(smuggled))+"\r\n\r\n"+smuggled[:len(smuggled)-4])
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s /upload = %d, want 200", m, resp.StatusCode)
			}
			if n := p.a.uploaded.Load(); n != 0 {
				t.Errorf("upstream read %d body bytes of a %s, want 0", n, m)
			}
			for _, hit := range p.a.since(0) {
				if hit.Path == "/private/x" {
					t.Errorf("the body was read as a request for %s", hit.Path)
				}
			}
		})
	}
}
