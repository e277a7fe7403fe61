package browser

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMessageClassification(t *testing.T) {
	tests := []struct {
		name          string
		msg           Message
		csp, uncaught bool
	}{
		{"a frame-ancestors block is a CSP violation", Message{Kind: "log.security.error",
			Text: `Framing 'http://localhost:1/' violates the following Content Security Policy directive: "frame-ancestors 'self'". The request has been blocked.`}, true, true},
		{"a refused inline script is a CSP violation", Message{Kind: "console.error",
			Text: `Refused to execute inline script because it violates the following Content-Security-Policy directive: "script-src 'self'".`}, true, true},
		{"an uncaught exception is an uncaught error", Message{Kind: "exception", Text: "Uncaught TypeError: x is undefined"}, false, true},
		{"console.error is an error", Message{Kind: "console.error", Text: "logateway boot config: mode must be native"}, false, true},
		{"a JavaScript error the browser logged is an error", Message{Kind: "log.javascript.error", Text: "boom"}, false, true},
		{"a failed load (an expected 401) is not a script error", Message{Kind: "log.network.error", Text: "Failed to load resource: 401"}, false, false},
		{"a warning is not an error", Message{Kind: "console.warning", Text: "logateway: retrying"}, false, false},
		{"a postMessage origin mismatch is a security warning only", Message{Kind: "log.security.warning", Text: "Failed to execute 'postMessage'"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.msg.CSPViolation(); got != tt.csp {
				t.Errorf("CSPViolation(%s) = %v, want %v", tt.msg, got, tt.csp)
			}
			if got := tt.msg.Uncaught() || tt.msg.CSPViolation(); got != tt.uncaught {
				t.Errorf("Uncaught or CSP (%s) = %v, want %v", tt.msg, got, tt.uncaught)
			}
		})
	}
}

func TestFailedLoadReadsTheStatus(t *testing.T) {
	tests := []struct {
		msg  Message
		want int
	}{
		{Message{Kind: "log.network.error", Text: "Failed to load resource: the server responded with a status of 404 (Not Found) (http://localhost:1/favicon.ico)"}, 404},
		{Message{Kind: "log.network.error", Text: "Failed to load resource: the server responded with a status of 401 (Unauthorized)"}, 401},
		{Message{Kind: "log.network.error", Text: "Failed to load resource: net::ERR_CONNECTION_REFUSED"}, 0},
		{Message{Kind: "console.error", Text: "the server responded with a status of 404"}, 0},
	}
	for _, tt := range tests {
		if got := tt.msg.FailedLoad(); got != tt.want {
			t.Errorf("FailedLoad(%s) = %d, want %d", tt.msg, got, tt.want)
		}
	}
}

func TestConsoleSinceAMark(t *testing.T) {
	c := &Console{}
	c.add(Message{Text: "before"})
	mark := c.Mark()
	c.add(Message{Text: "after"})
	got := c.Since(mark)
	if len(got) != 1 || got[0].Text != "after" {
		t.Errorf("want only the message after the mark, got %v", got)
	}
	if n := len(c.Messages()); n != 2 {
		t.Errorf("want 2 messages in all, got %d", n)
	}
}

func TestFindHonoursLOGATEWAY_CHROMIUM(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOGATEWAY_CHROMIUM", fake)
	if got, err := Find(); err != nil || got != fake {
		t.Errorf("want Find to return %s, got %q, %v", fake, got, err)
	}
	t.Setenv("LOGATEWAY_CHROMIUM", filepath.Join(t.TempDir(), "missing"))
	if _, err := Find(); err == nil {
		t.Error("want an error for a LOGATEWAY_CHROMIUM that does not exist, got none")
	}
}

func TestRedactURLDropsTheQuery(t *testing.T) {
	if got := redactURL("http://127.0.0.1:1/secur/frontdoor.jsp?otp=secret"); got != "http://127.0.0.1:1/secur/frontdoor.jsp?…" {
		t.Errorf("want the query dropped, got %q", got)
	}
}
