package obs

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// NewLogger builds the process logger. format is "auto" (text when out is a
// terminal, JSON otherwise), "text" or "json"; level is debug, info, warn or error.
func NewLogger(out io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(orDefault(level, "info"))); err != nil {
		return nil, fmt.Errorf("log.level: %q is not a level; use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: redactAttr}
	switch orDefault(format, "auto") {
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	case "auto":
		if isTerminal(out) {
			return slog.New(slog.NewTextHandler(out, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("log.format: %q is not a format; use auto, text or json", format)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// secretKeys are attribute names whose values are never written, whatever their type.
var secretKeys = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
	"code": true, "client_secret": true, "secret": true, "password": true,
	"assertion": true, "otp": true, "frontdoor_uri": true, "frontdoorurl": true,
	"frontdoor_url": true, "authorization": true, "cookie": true, "set-cookie": true,
	"code_verifier": true, "key": true,
}

// isSecretKey runs for every attribute of every log line, the access log's
// included, so the common case (a lower-case key) costs one map lookup and no
// lowering.
func isSecretKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c >= 'A' && c <= 'Z' {
			return secretKeys[strings.ToLower(k)]
		}
	}
	return secretKeys[k]
}

// redactAttr is the last line of defence: handlers never log secrets on purpose,
// and this keeps an accidental slog.String("access_token", …) out of the log too.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	if isSecretKey(a.Key) {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

// BufferedWriter batches writes (the access log) and flushes them every interval,
// so a log line costs a memory copy on the request path, not a syscall.
type BufferedWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewBufferedWriter starts the flusher; Close flushes and stops it.
func NewBufferedWriter(out io.Writer, interval time.Duration) *BufferedWriter {
	b := &BufferedWriter{w: bufio.NewWriterSize(out, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.Flush()
			case <-b.stop:
				b.Flush()
				return
			}
		}
	}()
	return b
}

func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.w.Write(p)
	b.mu.Unlock()
	return n, err
}

// Flush writes out what is buffered.
func (b *BufferedWriter) Flush() {
	b.mu.Lock()
	_ = b.w.Flush()
	b.mu.Unlock()
}

// Close flushes and stops the background flusher.
func (b *BufferedWriter) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	return nil
}
