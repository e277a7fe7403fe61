// Package layering holds one test: the import rules of docs/architecture.md,
// checked against what every package of the module really imports.
package layering

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/logateway/logateway/"

// rule says which of our packages a group of packages must not import.
type rule struct {
	pkgs   string   // a package path relative to the module, or a prefix ending in "/"
	forbid []string // relative paths or prefixes ending in "/"
	why    string
}

var rules = []rule{
	{"gateway/devorg/", []string{"gateway", "gateway/auth", "gateway/session", "gateway/salesforce", "gateway/proxy", "gateway/trust", "gateway/obs", "config", "cmd/", "internal/"},
		"the emulated org must behave like Salesforce, not like what our gateway expects"},
	{"gateway/trust", []string{"gateway", "gateway/auth", "gateway/session", "gateway/proxy", "gateway/devorg/", "config", "cmd/", "internal/"}, "a leaf package"},
	{"gateway/session", []string{"gateway", "gateway/auth", "gateway/proxy", "gateway/devorg/", "config", "cmd/", "internal/"}, "a leaf package"},
	{"gateway/salesforce", []string{"gateway", "gateway/auth", "gateway/session", "gateway/proxy", "gateway/devorg/", "config", "cmd/", "internal/"}, "a leaf package"},
	{"gateway/proxy", []string{"gateway", "gateway/auth", "gateway/session", "gateway/devorg/", "config", "cmd/", "internal/"}, "a leaf package"},
	{"gateway/obs", []string{"gateway", "gateway/auth", "gateway/session", "gateway/proxy", "gateway/devorg/", "config", "cmd/", "internal/"}, "a leaf package"},
	{"gateway/auth", []string{"gateway", "gateway/devorg/", "config", "cmd/", "internal/"}, "flows know the org client and the store, not the server"},
	{"gateway", []string{"gateway/devorg/", "cmd/", "internal/"}, "production code never carries the emulated org or test support"},
	{"config", []string{"gateway", "gateway/", "cmd/", "internal/"}, "config is read by everyone and reads no one"},
	{"static", []string{"gateway", "gateway/", "config", "cmd/", "internal/"}, "embedded files only"},
	{"templates", []string{"gateway", "gateway/", "config", "cmd/", "internal/"}, "embedded files only"},
}

func matches(path, pattern string) bool {
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(path, pattern) || path == strings.TrimSuffix(pattern, "/")
	}
	return path == pattern
}

// imports lists the non-test imports of every package under root, by path
// relative to the module.
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "build") {
			return filepath.SkipDir
		}
		if p != root {
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // another module (e.g. a chart test)
			}
		}
		pkg, err := build.ImportDir(p, 0)
		if err != nil {
			return nil // no Go files, or only tests
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, module) {
				out[rel] = append(out[rel], strings.TrimPrefix(imp, module))
			}
		}
		if _, ok := out[rel]; !ok {
			out[rel] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportRules(t *testing.T) {
	got := imports(t, filepath.Join("..", ".."))
	if _, ok := got["gateway/devorg"]; !ok {
		t.Fatalf("did not find the module's packages (got %d): run from internal/layering", len(got))
	}
	for pkg, imps := range got {
		for _, r := range rules {
			if !matches(pkg, r.pkgs) {
				continue
			}
			for _, imp := range imps {
				for _, f := range r.forbid {
					if matches(imp, f) && !matches(imp, r.pkgs) {
						t.Errorf("%s imports %s: not allowed (%s); see docs/architecture.md", pkg, imp, r.why)
					}
				}
			}
		}
	}
}

// TestRulesCatchABreak proves the check can fail: a made-up import that breaks
// the emulated org's rule is reported.
func TestRulesCatchABreak(t *testing.T) {
	broken := false
	for _, r := range rules {
		if matches("gateway/devorg", r.pkgs) {
			for _, f := range r.forbid {
				if matches("gateway/salesforce", f) {
					broken = true
				}
			}
		}
	}
	if !broken {
		t.Fatal("the rules let gateway/devorg import gateway/salesforce")
	}
}
