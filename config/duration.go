package config

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Off is the value of a duration key set to "off": a feature on by default
// (session.redis.local_cache_ttl) turned off. Keys that must be positive
// refuse it in validation.
const Off Duration = -1

// UnmarshalYAML reads "90s", "5m", "2h" (Go duration syntax) or "off". A bare number is
// refused because its unit would be a guess.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "off" {
		*d = Off
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a duration such as \"30s\", \"5m\" or \"2h\", got a %s", n.Line, kindName(n.Kind))}}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		// Returning a *yaml.TypeError lets the decoder continue and collect the others.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration; want a number with a unit such as \"30s\", \"5m\" or \"2h\"", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration in the form UnmarshalYAML reads.
func (d Duration) MarshalYAML() (any, error) {
	if d == Off {
		return "off", nil
	}
	return time.Duration(d).String(), nil
}

// String returns the duration as a config file would spell it: "12h", "1h30m", "90s".
func (d Duration) String() string {
	if d == Off {
		return "off"
	}
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}
