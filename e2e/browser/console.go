package browser

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// Message is one line of a target's console: a console.* call, an uncaught
// exception, or a browser log entry (CSP violations, failed loads, interventions).
type Message struct {
	Target string // "tab", or the target's type and URL without its query
	Kind   string // "console.<type>", "exception", "log.<source>.<level>"
	Text   string
}

func (m Message) String() string { return fmt.Sprintf("[%s] %s: %s", m.Target, m.Kind, m.Text) }

// CSPViolation reports whether the message is Chromium reporting a blocked load or
// inline script under a Content Security Policy (frame-ancestors included).
func (m Message) CSPViolation() bool {
	return strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
}

// Uncaught reports whether the message is an error a script did not handle: an
// uncaught exception or unhandled rejection, console.error / console.assert, or a
// JavaScript error the browser logged. Failed network loads (an expected 401
// from /__lo/frontdoor when signed out) are recorded but are not script errors.
func (m Message) Uncaught() bool {
	switch {
	case m.Kind == "exception", m.Kind == "console.error", m.Kind == "console.assert":
		return true
	case strings.HasPrefix(m.Kind, "log.") && strings.HasSuffix(m.Kind, ".error"):
		return !strings.HasPrefix(m.Kind, "log.network.")
	}
	return false
}

var loadStatus = regexp.MustCompile(`the server responded with a status of (\d{3})`)

// FailedLoad returns the HTTP status of a resource load the browser reported as
// failed ("Failed to load resource: the server responded with a status of 404"),
// or 0 when the message is not one.
func (m Message) FailedLoad() int {
	if !strings.HasPrefix(m.Kind, "log.network.") {
		return 0
	}
	sm := loadStatus.FindStringSubmatch(m.Text)
	if sm == nil {
		return 0
	}
	n, _ := strconv.Atoi(sm[1])
	return n
}

// Console records the messages of every target the Browser attached to.
type Console struct {
	mu   sync.Mutex
	msgs []Message
}

// Messages returns a copy of everything recorded so far.
func (c *Console) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Mark is a position in the recording; Since returns what came after it.
func (c *Console) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

// Since returns the messages recorded after mark.
func (c *Console) Since(mark int) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mark > len(c.msgs) {
		mark = len(c.msgs)
	}
	return append([]Message(nil), c.msgs[mark:]...)
}

func (c *Console) add(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
}

// listener is a chromedp event listener for one target. It runs on the target's
// reader goroutine, so it only copies strings.
func (c *Console) listener(label string) func(ev any) {
	return func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			parts := make([]string, 0, len(e.Args))
			for _, a := range e.Args {
				parts = append(parts, remoteText(a))
			}
			c.add(Message{Target: label, Kind: "console." + string(e.Type), Text: strings.Join(parts, " ")})
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			if d.URL != "" {
				text += fmt.Sprintf(" (%s:%d)", redactURL(d.URL), d.LineNumber+1)
			}
			c.add(Message{Target: label, Kind: "exception", Text: text})
		case *log.EventEntryAdded:
			en := e.Entry
			text := en.Text
			if en.URL != "" {
				text += " (" + redactURL(en.URL) + ")"
			}
			c.add(Message{Target: label, Kind: "log." + string(en.Source) + "." + string(en.Level), Text: text})
		}
	}
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if json.Unmarshal([]byte(o.Value), &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Type)
}
