package wstest

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Handshake opens a WebSocket over a raw connection to addr (so no client
// library rewrites the request), sending host and any extra header lines (each
// ending in "\r\n"). It fails the test unless the answer is 101 with the right
// accept value, and returns the connection and its reader.
func Handshake(t testing.TB, addr, host, extraHeaders string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	if _, err := io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: "+host+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "+key+"\r\n"+extraHeaders+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the handshake answer: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != Accept(key) {
		t.Fatalf("handshake got %d accept %q, want 101 accept %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"), Accept(key))
	}
	return conn, br
}

// ExpectEcho sends each message as a masked text frame and checks it comes back.
func ExpectEcho(t testing.TB, conn net.Conn, br *bufio.Reader, msgs ...string) {
	t.Helper()
	for _, msg := range msgs {
		if err := WriteFrame(conn, []byte(msg), true); err != nil {
			t.Fatal(err)
		}
		op, payload, err := ReadFrame(br)
		if err != nil {
			t.Fatalf("reading the echo of %q: %v", msg, err)
		}
		if op != 1 || string(payload) != msg {
			t.Errorf("echo = opcode %d %q, want opcode 1 %q", op, payload, msg)
		}
	}
}
