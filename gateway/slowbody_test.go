package gateway_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/wstest"
)

// dripLifetime opens a connection, sends head, then one byte of body every
// gap until the gateway closes the connection or cap passes; it returns how
// long the connection lived.
func dripLifetime(t *testing.T, addr, head string, gap, cap time.Duration) time.Duration {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		// Whatever comes back (an error page, then EOF) ends with the close.
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	if _, err := io.WriteString(conn, head); err != nil {
		return time.Since(start)
	}
	tick := time.NewTicker(gap)
	defer tick.Stop()
	deadline := time.NewTimer(cap)
	defer deadline.Stop()
	for {
		select {
		case <-deadline.C:
			return time.Since(start)
		case <-closed:
			return time.Since(start)
		case <-tick.C:
			if _, err := conn.Write([]byte("a")); err != nil {
				<-closed
				return time.Since(start)
			}
		}
	}
}

func TestSlowBodiesCannotHoldAConnection(t *testing.T) {
	const timeout = time.Second
	p := startPx(t, func(c *config.Config) { c.Server.BodyTimeout = config.Duration(timeout) })
	const cap = 8 * time.Second
	t.Run("twenty clients dripping a sign-out form a byte every 100ms are cut at the body timeout", func(t *testing.T) {
		var wg sync.WaitGroup
		lives := make([]time.Duration, 20)
		for i := range lives {
			wg.Add(1)
			go func() {
				defer wg.Done()
				head := fmt.Sprintf("POST /__lo/logout HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n", p.hostA, p.URL)
				lives[i] = dripLifetime(t, p.addr, head, 100*time.Millisecond, cap)
			}()
		}
		wg.Wait()
		longest := time.Duration(0)
		for _, l := range lives {
			longest = max(longest, l)
		}
		t.Logf("body timeout %v: the longest of %d dripping connections lived %v", timeout, len(lives), longest.Round(time.Millisecond))
		if longest > timeout+time.Second {
			t.Errorf("a dripping client held its connection %v, want at most %v", longest, timeout+time.Second)
		}
	})
	t.Run("a proxied upload that stalls is cut one body timeout after its last byte", func(t *testing.T) {
		head := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\n\r\n%0100d", p.hostA, 0)
		life := dripLifetime(t, p.addr, head, time.Hour, cap) // never drips after the first 100 bytes
		t.Logf("a stalled upload lived %v", life.Round(time.Millisecond))
		if life > timeout+time.Second {
			t.Errorf("a stalled upload held its connection %v, want at most %v", life, timeout+time.Second)
		}
	})
	t.Run("a slow but steady proxied upload longer than the body timeout goes through", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			for range 10 { // 10 × 300ms = 3s, three body timeouts
				if _, err := pw.Write(make([]byte, 1024)); err != nil {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/upload", pr)
		req.ContentLength = 10 * 1024
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || p.a.uploaded.Load() != 10*1024 {
			t.Errorf("upload answered %d %q, upstream got %d bytes; want 200 and 10240", resp.StatusCode, body, p.a.uploaded.Load())
		}
	})
	t.Run("a WebSocket stays open past the body timeout", func(t *testing.T) {
		conn, br := wstest.Handshake(t, p.addr, p.hostA, "")
		wstest.ExpectEcho(t, conn, br, "before")
		time.Sleep(timeout + 1500*time.Millisecond)
		wstest.ExpectEcho(t, conn, br, "after the body timeout")
	})
}
