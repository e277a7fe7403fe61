package obs

import (
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// AccessLog writes one line per request. It is on every request's path, so the
// line is appended field by field into a pooled buffer — no reflection, no
// attribute slices, no per-field handler calls — and handed to the (buffered)
// writer in one Write. The fields are fixed by the gateway's code and none is a
// secret: paths are logged without their queries.
type AccessLog struct {
	w    io.Writer
	json bool
	pool sync.Pool
}

// AccessEntry is one request's line.
type AccessEntry struct {
	RID, Site, Method, Path, Route, Remote string
	Status, Bytes                          int
	Dur                                    time.Duration
}

// NewAccessLog writes JSON lines (the slog JSON shape: time, level, msg, then the
// fields) or, for "text" and "auto" on a terminal, logfmt lines.
func NewAccessLog(w io.Writer, format string) *AccessLog {
	json := true
	switch format {
	case "text":
		json = false
	case "", "auto":
		json = !isTerminal(w)
	}
	a := &AccessLog{w: w, json: json}
	a.pool.New = func() any { b := make([]byte, 0, 512); return &b }
	return a
}

// NewBufferedAccessLog is the access log as logateway serve writes it: lines
// collected in memory and written to out every 200 ms. close flushes the rest
// and stops the flusher.
func NewBufferedAccessLog(out io.Writer, format string) (a *AccessLog, close func() error) {
	w := NewBufferedWriter(out, 200*time.Millisecond)
	return NewAccessLog(w, format), w.Close
}

// Log writes e.
func (a *AccessLog) Log(e *AccessEntry) {
	bp := a.pool.Get().(*[]byte)
	b := (*bp)[:0]
	now := time.Now().UTC()
	if a.json {
		b = append(b, `{"time":"`...)
		b = now.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":"request","rid":`...)
		b = appendJSONString(b, e.RID)
		b = append(b, `,"site":`...)
		b = appendJSONString(b, e.Site)
		b = append(b, `,"method":`...)
		b = appendJSONString(b, e.Method)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, e.Path)
		b = append(b, `,"route":`...)
		b = appendJSONString(b, e.Route)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, int64(e.Bytes), 10)
		b = append(b, `,"dur":`...)
		b = strconv.AppendInt(b, int64(e.Dur), 10)
		b = append(b, `,"remote":`...)
		b = appendJSONString(b, e.Remote)
		b = append(b, "}\n"...)
	} else {
		b = append(b, "time="...)
		b = now.AppendFormat(b, time.RFC3339Nano)
		b = append(b, " level=INFO msg=request rid="...)
		b = appendTextValue(b, e.RID)
		b = append(b, " site="...)
		b = appendTextValue(b, e.Site)
		b = append(b, " method="...)
		b = appendTextValue(b, e.Method)
		b = append(b, " path="...)
		b = appendTextValue(b, e.Path)
		b = append(b, " route="...)
		b = appendTextValue(b, e.Route)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, int64(e.Bytes), 10)
		b = append(b, " dur="...)
		b = append(b, e.Dur.String()...)
		b = append(b, " remote="...)
		b = appendTextValue(b, e.Remote)
		b = append(b, '\n')
	}
	_, _ = a.w.Write(b)
	*bp = b
	a.pool.Put(bp)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so
// a hostile path can neither break the line nor forge another field.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTextValue appends s bare when it is a plain token, else quoted.
func appendTextValue(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f {
			return appendJSONString(b, s)
		}
	}
	return append(b, s...)
}
