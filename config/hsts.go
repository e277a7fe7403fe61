package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultHSTSMaxAge is one year, the value browsers' preload lists ask for (max_age's
// default tag says the same; a test keeps them equal).
const DefaultHSTSMaxAge = 365 * 24 * time.Hour

// UnmarshalYAML reads server.hsts: the scalar off (or false) turns the header
// off; a mapping sets max_age, include_subdomains and preload.
func (h *HSTS) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "off", "false":
			*h = HSTS{Off: true}
			return nil
		case "on", "true", "":
			*h = HSTS{}
			return nil
		}
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not an HSTS setting; write off, or a mapping with max_age, include_subdomains, preload", n.Line, n.Value)}}
	}
	type plain HSTS
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*h = HSTS(p)
	return nil
}

// MarshalYAML writes off as the scalar, anything else as the mapping.
func (h HSTS) MarshalYAML() (any, error) {
	if h.Off {
		return "off", nil
	}
	type plain HSTS
	return plain(h), nil
}

// Header is the Strict-Transport-Security value, "" when off.
func (h HSTS) Header() string {
	if h.Off {
		return ""
	}
	v := "max-age=" + strconv.FormatInt(int64(h.MaxAge.D()/time.Second), 10)
	if h.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

// switchedOff: with hsts: off, max_age keeps no default.
func (h *HSTS) switchedOff() bool { return h.Off }

func validateHSTS(h HSTS, ps *problems) {
	if h.Off {
		return
	}
	if h.MaxAge < 0 {
		ps.add("server.hsts.max_age", "use a positive duration such as 8760h (one year), or hsts: off", "%s is negative", h.MaxAge)
	}
	if h.Preload && (!h.IncludeSubdomains || h.MaxAge.D() < DefaultHSTSMaxAge) {
		ps.add("server.hsts.preload", "set include_subdomains: true and max_age: 8760h or more, or drop preload",
			"preload lists accept a site only with includeSubDomains and a max-age of at least a year (have include_subdomains %v, max_age %s)", h.IncludeSubdomains, h.MaxAge)
	}
}
