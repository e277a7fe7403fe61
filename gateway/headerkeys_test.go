package gateway

import (
	"net/http"
	"testing"

	"github.com/logateway/logateway/gateway/obs"
)

// observe and proxyRequest use these names as header map keys without
// canonicalizing them; a name that is not canonical would be a second key
// beside the real one.
func TestHeaderKeysUsedDirectlyAreCanonical(t *testing.T) {
	for _, k := range []string{hstsHeader, obs.RequestIDHeader} {
		if c := http.CanonicalHeaderKey(k); c != k {
			t.Errorf("%q is used as a header map key but its canonical form is %q", k, c)
		}
	}
}
