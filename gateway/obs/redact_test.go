package obs

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRedaction(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		secret bool
	}{
		{"a lower-case secret key is redacted", "access_token", true},
		{"a mixed-case secret key is redacted", "Refresh_Token", true},
		{"an upper-case header name is redacted", "AUTHORIZATION", true},
		{"an access-log key is kept", "route", false},
		{"a key that only contains a secret word is kept", "tokens_seen", false},
		{"an empty key is kept", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := NewLogger(&buf, "json", "info")
			if err != nil {
				t.Fatal(err)
			}
			log.Info("m", slog.String(c.key, "s3cr3t-value"))
			leaked := strings.Contains(buf.String(), "s3cr3t-value")
			if c.secret && leaked {
				t.Errorf("key %q: wanted the value redacted, the line was %s", c.key, buf.String())
			}
			if !c.secret && !leaked {
				t.Errorf("key %q: wanted the value kept, the line was %s", c.key, buf.String())
			}
		})
	}
}
