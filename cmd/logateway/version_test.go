package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfoFallsBackToWhatTheToolchainRecorded(t *testing.T) {
	recorded := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			GoVersion: "go1.99",
			Main:      debug.Module{Path: "github.com/logateway/logateway", Version: "v1.4.0"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123abcd"},
				{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true
	}
	t.Run("no ldflags: module version, commit (dirty) and commit time", func(t *testing.T) {
		got := buildInfo(recorded)
		want := versionInfo{Version: "v1.4.0", Commit: "0123abcd+dirty", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.99"}
		if got != want {
			t.Errorf("want %+v, got %+v", want, got)
		}
	})
	t.Run("ldflags win over the recorded values", func(t *testing.T) {
		defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
		version, commit, date = "v2.0.0", "feedface", "2026-12-01"
		got := buildInfo(recorded)
		if got.Version != "v2.0.0" || got.Commit != "feedface" || got.Date != "2026-12-01" {
			t.Errorf("want the -ldflags values, got %+v", got)
		}
	})
	t.Run("a (devel) build with no VCS data says so instead of inventing", func(t *testing.T) {
		got := buildInfo(func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}}, true
		})
		if got.Version != "devel" || got.Commit != "unknown" || got.Date != "unknown" {
			t.Errorf("want devel/unknown/unknown, got %+v", got)
		}
	})
}

// A plain `go build` in a git checkout (what `go install` does for a clone) must
// print the checkout's commit, with no -ldflags at all.
func TestVersionCommandReportsTheVCSCommitWithoutLdflags(t *testing.T) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		skipOutsideCI(t, "not a git checkout: %v", err)
	}
	// The go command stamps VCS data only when .git is a directory: a linked
	// worktree (where .git is a file) gets none. CI runs in a plain clone.
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		skipOutsideCI(t, "a git worktree: the go command records no VCS data here")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "logateway")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("logateway version: %v", err)
	}
	want := "commit:  " + strings.TrimSpace(string(head))
	if !strings.Contains(string(out), want) {
		t.Errorf("want a line starting %q, got:\n%s", want, out)
	}
	if !strings.Contains(string(out), "built:   20") {
		t.Errorf("want the commit time as the build date, got:\n%s", out)
	}
}

// skipOutsideCI skips a test whose precondition this machine lacks, except in
// CI (CI=true), where the precondition is part of the run and its absence fails.
func skipOutsideCI(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI requires this test to run, but: "+format, args...)
	}
	t.Skipf(format, args...)
}
