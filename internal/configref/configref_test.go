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

func TestTheReferenceDocumentsEveryKeyAndNothingElse(t *testing.T) {
	md, err := Generate(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range config.Keys() {
		want = append(want, k.Path)
	}
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
