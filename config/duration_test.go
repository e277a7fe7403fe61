package config

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"90s", 90 * time.Second, "1m30s"},
		{"2h", 2 * time.Hour, "2h"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"500ms", 500 * time.Millisecond, "500ms"},
		{"off", time.Duration(Off), "off"},
	}
	for _, tc := range cases {
		var d Duration
		if err := yaml.Unmarshal([]byte(tc.in), &d); err != nil || d.D() != tc.want || d.String() != tc.str {
			t.Errorf("%q: want %v printed %q, got %v printed %q (err %v)", tc.in, tc.want, tc.str, d.D(), d.String(), err)
		}
		out, err := yaml.Marshal(d)
		var back Duration
		if err != nil || yaml.Unmarshal(out, &back) != nil || back != d {
			t.Errorf("%q: want a YAML round trip, got %q (err %v)", tc.in, out, err)
		}
	}
	var d Duration
	if err := yaml.Unmarshal([]byte("90"), &d); err == nil {
		t.Error("want a bare number refused (its unit would be a guess), got no error")
	}
}
