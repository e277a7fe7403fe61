// Package forwardauth holds the front proxy configurations of logateway's
// forward-auth mode: the files beside this one, which README.md explains. They
// are embedded so that `logateway check` prints them filled in for a site and
// the integration tests run exactly them (internal/frontproxy).
package forwardauth

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed nginx.conf Caddyfile
var files embed.FS

// The values the files use, which Render replaces.
const (
	DocSiteHost = "www.example.com"
	DocGateway  = "127.0.0.1:8080"
	DocBackend  = "127.0.0.1:3000"
	DocCallback = "/callback.html"
)

// DefaultIdentity are the identity header names the files map, in the order
// of config.IdentityHeaders.
var DefaultIdentity = []string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username",
	"X-Forwarded-Org-Id", "X-Forwarded-User-Id", "X-Forwarded-Name"}

// Values fill a file in for one site.
type Values struct {
	SiteHost string // host[:port] exactly as in the site's url
	Gateway  string // where the proxy reaches logateway, host:port
	Backend  string // the site's own backend, host:port
	// CallbackPath is the site's eca.callback_path (default /callback.html).
	CallbackPath string
	// Identity renames identity headers: default name → configured name.
	// Names not in the map keep their default.
	Identity map[string]string
}

// Names lists the files: "nginx.conf", "Caddyfile".
func Names() []string { return []string{"nginx.conf", "Caddyfile"} }

// Render returns the file name with the docs' host, addresses and header
// names replaced by v's (empty values keep the docs').
func Render(name string, v Values) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("forwardauth: no file %q, expected one of %v", name, Names())
	}
	s := string(b)
	var pairs []string
	add := func(from, to string) {
		if to != "" && to != from {
			pairs = append(pairs, from, to)
		}
	}
	add(DocSiteHost, v.SiteHost)
	add(DocGateway, v.Gateway)
	add(DocBackend, v.Backend)
	add(DocCallback, v.CallbackPath)
	// Longer names first, so X-Forwarded-User-Id is not read as
	// X-Forwarded-User followed by "-Id"; nginx spells a response header as a
	// variable in lower case with "_".
	names := append([]string(nil), DefaultIdentity...)
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	// An unchanged name is replaced by itself: it must still win over a
	// shorter name it contains.
	for _, n := range names {
		to := v.Identity[n]
		if to == "" || to == "-" {
			to = n
		}
		pairs = append(pairs, n, to, nginxVar(n), nginxVar(to))
	}
	return strings.NewReplacer(pairs...).Replace(s), nil
}

func nginxVar(header string) string {
	return "$upstream_http_" + strings.ReplaceAll(strings.ToLower(header), "-", "_")
}
