package obs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAccessLogWritesOneValidLinePerRequest(t *testing.T) {
	hostile := "/a\"b\\c\nd\te\x01f\xffg/ü"
	e := &AccessEntry{RID: "r1", Site: "www.example.com", Method: "GET", Path: hostile, Route: "proxy", Remote: "203.0.113.7:5", Status: 200, Bytes: 1024, Dur: 412 * time.Microsecond}

	t.Run("json lines parse and keep every field", func(t *testing.T) {
		var out bytes.Buffer
		NewAccessLog(&out, "json").Log(e)
		if strings.Count(out.String(), "\n") != 1 {
			t.Fatalf("want exactly one line, got %q", out.String())
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, out.String())
		}
		want := map[string]any{"level": "INFO", "msg": "request", "rid": "r1", "site": "www.example.com", "method": "GET",
			"path": "/a\"b\\c\nd\te\x01f\ufffdg/ü", "route": "proxy", "status": 200.0, "bytes": 1024.0, "dur": float64(412 * time.Microsecond), "remote": "203.0.113.7:5"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("field %s = %#v, want %#v", k, got[k], v)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, got["time"].(string)); err != nil {
			t.Errorf("time %q: %v", got["time"], err)
		}
	})
	t.Run("text lines stay on one line and quote what needs it", func(t *testing.T) {
		var out bytes.Buffer
		NewAccessLog(&out, "text").Log(e)
		line := out.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("want exactly one line, got %q", line)
		}
		for _, want := range []string{" rid=r1 ", " site=www.example.com ", ` path="/a\"b\\c\nd\te\u0001f` + "\ufffd" + `g/ü"`, " status=200 ", " dur=412µs "} {
			if !strings.Contains(line, want) {
				t.Errorf("text line lacks %q:\n%s", want, line)
			}
		}
	})
}

func BenchmarkAccessLog(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			out := NewBufferedWriter(discard{}, time.Second)
			defer out.Close()
			a := NewAccessLog(out, format)
			e := &AccessEntry{RID: "k3j5h6g7f8d9s0a1", Site: "www.example.com", Method: "GET", Path: "/app/orders/42", Route: "proxy", Remote: "203.0.113.7:51234", Status: 200, Bytes: 1024, Dur: 412 * time.Microsecond}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a.Log(e)
				}
			})
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
