package configref

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
)

// The freshness test lives in the config package, beside the schema.
const schemaDir = "../../config"

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
