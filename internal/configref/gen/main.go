// Command gen writes the configuration reference: go run ./internal/configref/gen
// [-config DIR] [-o FILE]. `go generate ./config` runs it with the defaults.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/logateway/logateway/internal/configref"
)

func main() {
	dir := flag.String("config", ".", "the config package's directory")
	out := flag.String("o", "../docs/configuration.md", "the file to write")
	flag.Parse()
	md, err := configref.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
