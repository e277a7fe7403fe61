package config_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/logateway/logateway/internal/configref"
)

// Here, beside the schema, so that whoever adds a key sees this fail in the package
// they touched: docs/configuration.md is generated from schema.go's comments.
func TestTheConfigurationReferenceIsFresh(t *testing.T) {
	want, err := configref.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatalf("%v: run go generate ./config", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("docs/configuration.md is stale (first difference at line %d): run go generate ./config and commit it\n committed: %s\n schema:    %s", i+1, g, w)
		}
	}
}
