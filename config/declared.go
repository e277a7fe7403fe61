package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Key is one YAML key as schema.go declares it. The field's tags are the only place a
// key's default and its allowed values are written:
//
//	default:"10s"              Normalize sets the key when it is empty (a list is written
//	                           comma-separated, a *bool as true or false)
//	derived:"3/4 of …"         the default is computed from other keys by Normalize; the
//	                           words are what the reference prints
//	oneof:"floating inline"    the only values Validate accepts, in the order its fix
//	                           names them
//
// Normalize applies the defaults, Validate takes allowed values and example values
// from here, and internal/configref prints both in docs/configuration.md.
type Key struct {
	Path    string // "sites[].acc.mode": lists written "[]"
	Type    reflect.Type
	Default string
	Derived string
	OneOf   []string
}

// declared holds every key of the schema by path, built once from schema.go's tags; a
// malformed tag panics here, at start-up of any test or binary, not at first use.
var declared = declareKeys(reflect.TypeOf(Config{}))

type keyTable struct {
	order  []string
	byPath map[string]Key
}

func declareKeys(root reflect.Type) keyTable {
	kt := keyTable{byPath: map[string]Key{}}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := yamlKey(f)
			if !ok {
				continue
			}
			k := Key{Path: joinKey(path, name), Type: f.Type, Default: f.Tag.Get("default"), Derived: f.Tag.Get("derived")}
			if o := f.Tag.Get("oneof"); o != "" {
				k.OneOf = strings.Fields(o)
			}
			if k.Default != "" {
				if _, err := parseDefault(f.Type, k.Default); err != nil {
					panic(fmt.Sprintf("config: the default of %s: %v", k.Path, err))
				}
			}
			kt.order = append(kt.order, k.Path)
			kt.byPath[k.Path] = k
			switch ft := f.Type; {
			case ft.Kind() == reflect.Struct:
				walk(ft, k.Path)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), k.Path+"[]")
			}
		}
	}
	walk(root, "")
	return kt
}

// Keys lists every key schema.go declares, in schema order.
func Keys() []Key {
	out := make([]Key, len(declared.order))
	for i, p := range declared.order {
		out[i] = declared.byPath[p]
	}
	return out
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// KeyAt returns the declaration of the key at path; list indices in path
// ("sites[2].acc.mode") may be given or written "[]".
func KeyAt(path string) (Key, bool) {
	k, ok := declared.byPath[listIndex.ReplaceAllString(path, "[]")]
	return k, ok
}

// yamlKey is the YAML key of a struct field; false for fields that are not keys
// (unexported, or yaml:"-": the resolved secrets, Dev).
func yamlKey(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch name {
	case "-":
		return "", false
	case "":
		return strings.ToLower(f.Name), true
	}
	return name, true
}

func joinKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// parseDefault turns a default tag into a value of the field's type; each call
// returns a fresh value, so no two sites share one list.
func parseDefault(t reflect.Type, s string) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return v, err
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.String:
		v.SetString(s)
	case t.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return v, err
		}
		v.SetInt(int64(n))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf(strings.Split(s, ",")))
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return v, err
		}
		v.Set(reflect.ValueOf(&b))
	default:
		// A plain bool cannot tell "unset" from false; declare it *bool.
		return v, fmt.Errorf("a %s cannot have a default", t)
	}
	return v, nil
}

// unset reports whether a key holds nothing, so its default applies: a blank string,
// zero, an empty list, a nil pointer.
func unset(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.TrimSpace(v.String()) == ""
	case reflect.Slice:
		return v.Len() == 0
	case reflect.Pointer:
		return v.IsNil()
	}
	return v.IsZero()
}

// switchedOff is a mapping that a scalar can turn off (hsts: off); its keys then keep
// no defaults.
type switchedOff interface{ switchedOff() bool }

// applyDefaults sets every unset key under v (a struct at path) to its declared default.
func applyDefaults(v reflect.Value, path string) {
	if so, ok := v.Addr().Interface().(switchedOff); ok && so.switchedOff() {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := yamlKey(f)
		if !ok {
			continue
		}
		fv, kp := v.Field(i), joinKey(path, name)
		if k := declared.byPath[kp]; k.Default != "" && unset(fv) {
			d, _ := parseDefault(f.Type, k.Default) // checked by declareKeys
			fv.Set(d)
		}
		switch {
		case f.Type.Kind() == reflect.Struct:
			applyDefaults(fv, kp)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			for j := range fv.Len() {
				applyDefaults(fv.Index(j), kp+"[]")
			}
		}
	}
}

// example is the declared default of the key at path, for a fix that suggests a
// value ("use a positive number such as 30").
func example(path string) string {
	k, _ := KeyAt(path)
	return k.Default
}
