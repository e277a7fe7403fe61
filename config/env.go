package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts the name of every environment override.
const EnvPrefix = "LOGATEWAY_"

// EnvName is the environment variable that overrides the scalar key at path:
// sites[0].org.my_domain → LOGATEWAY_SITES_0_ORG_MY_DOMAIN.
func EnvName(path string) string {
	r := strings.NewReplacer(".", "_", "[", "_", "]", "")
	return EnvPrefix + strings.ToUpper(r.Replace(path))
}

// leaf is one key of the schema that holds a value rather than more keys: a scalar
// (string, bool, number, duration) or a list or map of scalars.
type leaf struct {
	path   string
	v      reflect.Value // settable
	scalar bool
}

// leaves walks c in schema order and returns every leaf key, with list elements of
// struct lists (sites, access, api_relay) as far as c has them.
func (c *Config) leaves() []leaf {
	var out []leaf
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, ok := yamlKey(f)
			if !ok {
				continue
			}
			fv, kp := v.Field(i), joinPath(path, name)
			switch ft := f.Type; {
			case ft == durationType:
				out = append(out, leaf{kp, fv, true})
			case ft.Kind() == reflect.Struct:
				walk(fv, kp)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				for j := 0; j < fv.Len(); j++ {
					walk(fv.Index(j), fmt.Sprintf("%s[%d]", kp, j))
				}
			case ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map:
				out = append(out, leaf{kp, fv, false})
			default: // string, bool, int, *bool
				out = append(out, leaf{kp, fv, true})
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
	return out
}

var durationType = reflect.TypeOf(Duration(0))

// applyEnv sets every scalar key whose LOGATEWAY_<PATH> variable is set (non-empty),
// after the file and before defaults, and records it in c.Sources. A value that does
// not parse as the key's type is a problem naming the variable and the key.
func (c *Config) applyEnv(getenv func(string) string, ps *problems) {
	for _, l := range c.leaves() {
		if !l.scalar {
			continue
		}
		name := EnvName(l.path)
		raw := getenv(name)
		if raw == "" {
			continue
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: raw}
		if l.v.Kind() == reflect.String {
			n.Tag = "!!str"
		}
		target := reflect.New(l.v.Type())
		if err := n.Decode(target.Interface()); err != nil {
			ps.add(l.path, fmt.Sprintf("set %s to a value of the key's type (see docs/configuration.md)", name),
				"environment variable %s: %s", name, strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  line 0: "))
			continue
		}
		l.v.Set(target.Elem())
		c.SetSource(l.path, "env "+name)
	}
}

// SetSource records where the value at path came from (see Sources).
func (c *Config) SetSource(path, src string) {
	if c.Sources == nil {
		c.Sources = map[string]string{}
	}
	c.Sources[path] = src
}

// Setting is one effective value and where it came from.
type Setting struct {
	Path   string
	Value  string // rendered; secret-looking keys are shown as "(set)"
	Source string // "file line N", "env LOGATEWAY_…", "flag --…", "default"
}

// Settings lists every key that has a value, in schema order, with its source:
// a flag beats the environment, which beats the file; what none of them set is a
// default. Inline secrets (dev mode only) are never shown.
func (c *Config) Settings() []Setting {
	var out []Setting
	for _, l := range c.leaves() {
		if l.v.IsZero() {
			continue
		}
		src := c.Sources[l.path]
		if src == "" {
			src = "default"
		}
		val := render(l.v)
		if isSecretKey(l.path) {
			val = "(set)"
		}
		out = append(out, Setting{Path: l.path, Value: val, Source: src})
	}
	return out
}

func isSecretKey(path string) bool {
	k := lastKey(path)
	return k == "client_secret" || k == "password"
}

func render(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case Duration:
		return x.String()
	case *bool:
		return fmt.Sprint(*x)
	case string:
		return fmt.Sprintf("%q", x)
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %q", k, x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = render(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}
