package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…"
// (the Dockerfile and release builds do). When they are empty, buildInfo fills them
// from what the Go toolchain records in every binary, so a `go install` build still
// says which module version and commit it is.
var (
	version = ""
	commit  = ""
	date    = ""
)

// versionInfo is what `logateway version` prints and logateway_build_info exports.
type versionInfo struct {
	Version   string // module version (v1.2.3, a pseudo-version) or "devel"
	Commit    string // VCS revision, "+dirty" when the tree had local changes
	Date      string // build date from -ldflags, else the commit's time
	GoVersion string
}

// buildInfo combines the -ldflags values with debug.ReadBuildInfo.
func buildInfo(read func() (*debug.BuildInfo, bool)) versionInfo {
	v := versionInfo{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version()}
	bi, ok := read()
	if ok {
		v.GoVersion = bi.GoVersion
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		var rev, when string
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if v.Commit == "" && rev != "" {
			v.Commit = rev
			if dirty {
				v.Commit += "+dirty"
			}
		}
		if v.Date == "" {
			v.Date = when
		}
	}
	if v.Version == "" {
		v.Version = "devel"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	if v.Date == "" {
		v.Date = "unknown"
	}
	return v
}

func printVersion(w io.Writer, v versionInfo) {
	fmt.Fprintf(w, "logateway %s\ncommit:  %s\nbuilt:   %s\ngo:      %s\n", v.Version, v.Commit, v.Date, v.GoVersion)
}
