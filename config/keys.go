package config

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkKeys walks the YAML node tree against the Go type t and reports every mapping key
// that names no field, with the closest valid key when one is close. It also records the
// line of every key path it sees, so later problems can point at a line. yaml.v3 ignores
// unknown keys when decoding; a typo such as calback_path would otherwise silently fall
// back to the default, which is the bug class this check exists for.
func checkKeys(n *yaml.Node, t reflect.Type, path string, lines map[string]int, ps *problems) {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				return
			}
			n = n.Content[0]
		} else {
			n = n.Alias
		}
	}
	if n == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if _, isDuration := reflect.New(t).Interface().(*Duration); isDuration {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				// A merge key pulls another mapping's keys into this one.
				if v.Kind == yaml.SequenceNode {
					for _, m := range v.Content {
						checkKeys(m, t, path, lines, ps)
					}
				} else {
					checkKeys(v, t, path, lines, ps)
				}
				continue
			}
			kp := joinPath(path, k.Value)
			if _, seen := lines[kp]; !seen {
				lines[kp] = k.Line
			}
			f, ok := fields[k.Value]
			if !ok {
				ps.list = append(ps.list, unknownKey(kp, k, t, fields))
				continue
			}
			checkKeys(v, f.Type, kp, lines, ps)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := joinPath(path, n.Content[i].Value)
			lines[kp] = n.Content[i].Line
			checkKeys(n.Content[i+1], t.Elem(), kp, lines, ps)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			ip := path + "[" + strconv.Itoa(i) + "]"
			lines[ip] = item.Line
			checkKeys(item, t.Elem(), ip, lines, ps)
		}
	}
}

// yamlFields maps each YAML key of struct type t to its field; yaml:"-" fields (the
// resolved secrets, Dev) are not keys.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	m := make(map[string]reflect.StructField, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if name, ok := yamlKey(t.Field(i)); ok {
			m[name] = t.Field(i)
		}
	}
	return m
}

func unknownKey(kp string, k *yaml.Node, t reflect.Type, fields map[string]reflect.StructField) Problem {
	p := Problem{Path: kp, Line: k.Line, Message: fmt.Sprintf("unknown key %q", k.Value)}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	if best := closest(k.Value, names); best != "" {
		p.Fix = fmt.Sprintf("did you mean %q?", best)
		return p
	}
	// The key may be valid one level down (client_id written under the site instead of
	// under eca); say where it belongs.
	var homes []string
	for _, name := range names {
		ft := fields[name].Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			if _, ok := yamlFields(ft)[k.Value]; ok {
				homes = append(homes, name+"."+k.Value)
			}
		}
	}
	if len(homes) > 0 {
		p.Fix = fmt.Sprintf("move it under %s", strings.Join(homes, " or "))
		return p
	}
	p.Fix = "remove it; valid keys here: " + strings.Join(names, ", ")
	return p
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// closest returns the candidate nearest to s by edit distance (transpositions count as
// one edit), or "" when none is close enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	// Allow about one edit per four characters, at least one, at most three.
	limit := len(s) / 4
	if limit < 1 {
		limit = 1
	}
	if limit > 3 {
		limit = 3
	}
	if bestD > limit {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions, deletions,
// substitutions and adjacent transpositions each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
