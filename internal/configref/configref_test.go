package configref

import (
	"bytes"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
)

const (
	schemaDir = "../../config"
	reference = "../../docs/configuration.md"
)

func TestTheCommittedReferenceIsFresh(t *testing.T) {
	want, err := Generate(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(reference)
	if err != nil {
		t.Fatalf("%v: run go generate ./config", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("docs/configuration.md is stale (first difference at line %d): run go generate ./config\n committed: %s\n schema:    %s", i+1, g, w)
			}
		}
	}
}

// schemaKeys lists every key the loader accepts, as the reference writes them.
func schemaKeys(t reflect.Type, path string, out *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		kp := name
		if path != "" {
			kp = path + "." + name
		}
		*out = append(*out, kp)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			schemaKeys(ft, kp, out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			schemaKeys(ft.Elem(), kp+"[]", out)
		}
	}
}

func TestTheReferenceDocumentsEveryKeyAndNothingElse(t *testing.T) {
	md, err := Generate(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	schemaKeys(reflect.TypeOf(config.Config{}), "", &want)
	sort.Strings(want)
	got := Keys(md)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reference keys differ from the schema\n reference: %v\n schema:    %v", got, want)
	}
	for _, k := range []string{"sites[].upstream.tls_insecure_skip_verify", "sites[].acc.header_image_alt", "sites[].acc.agent_avatar_alt"} {
		if !strings.Contains(strings.Join(got, " "), k) {
			t.Errorf("want %s documented", k)
		}
	}
	if !bytes.Contains(md, []byte("`LOGATEWAY_SITES_<i>_ORG_MY_DOMAIN`")) {
		t.Error("want the environment override of sites[].org.my_domain shown")
	}
}
