package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	Path    string // key path, e.g. sites[0].eca.callback_path; "" for the file as a whole
	Line    int    // line in the YAML file, 0 when unknown (config built in code, or key absent and no parent line)
	Message string // what is wrong; never contains a secret value
	Fix     string // how to fix it; may be empty
}

// String renders the problem as one line:
// `sites[0].eca.callback_path (line 12): <message>; fix: <fix>`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
	} else {
		b.WriteString("config")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// ValidationError lists every problem found in a configuration. The command exits with
// status 2 when Load or Validate returns one.
type ValidationError struct {
	File     string // the config file, "" when the config was built in code
	Problems []Problem
}

// Error prints one problem per line, after a header naming the file and the count.
func (e *ValidationError) Error() string {
	var b strings.Builder
	where := "configuration"
	if e.File != "" {
		where = e.File
	}
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "%s: %d %s", where, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while checking; add never stops the check.
type problems struct{ list []Problem }

func (ps *problems) add(path, fix, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...), Fix: fix})
}

// err returns nil when nothing was found, so callers can `return ps.err(file)`.
func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{File: file, Problems: ps.list}
}

// fillLines sets Line from the key-path index built while reading the YAML; a problem
// about a missing key takes the line of its nearest present parent.
func fillLines(list []Problem, lines map[string]int) {
	for i := range list {
		if list[i].Line != 0 {
			continue
		}
		for p := list[i].Path; p != ""; p = parentPath(p) {
			if l, ok := lines[p]; ok {
				list[i].Line = l
				break
			}
		}
	}
}

// parentPath strips the last ".key" or "[i]" from a key path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// sortByLine orders problems by line so the report reads top to bottom; problems without
// a line keep their relative order at the end.
func sortByLine(list []Problem) {
	sort.SliceStable(list, func(i, j int) bool {
		li, lj := list[i].Line, list[j].Line
		if li == 0 || lj == 0 {
			return li != 0 && lj == 0
		}
		return li < lj
	})
}
