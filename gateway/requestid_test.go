package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/logateway/logateway/internal/harness"
)

// Many web frameworks answer with the X-Request-Id they were sent. Through the
// gateway the visitor must see that id once, and the one the upstream got; an
// id of the upstream's own comes after it.
func TestTheVisitorSeesTheRequestIDOnceWhenTheUpstreamEchoesIt(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id"))
		if r.URL.Path == "/own" {
			w.Header().Add("X-Request-Id", "upstream-42")
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(up.Close)
	env := harness.Start(t, harness.Options{Upstream: up.URL})
	for path, extra := range map[string][]string{"/echo": nil, "/own": {"upstream-42"}} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		req.Header.Set("X-Request-Id", "visitor-supplied-7")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := append([]string{"visitor-supplied-7"}, extra...)
		if got := resp.Header.Values("X-Request-Id"); resp.StatusCode != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("GET %s: %d, X-Request-Id %q, want 200 and %q", path, resp.StatusCode, got, want)
		}
	}
}
