package harness

import (
	"net/http"
	"net/url"
)

// SignInAt signs client in as username through the real pages of a gateway and
// an org that run elsewhere (other processes, as in the benchmark harness, where
// the org's CPU must not count as the gateway's). gatewayURL and orgURL are the
// two origins exactly as the gateway's config and the org print them.
func SignInAt(client *http.Client, gatewayURL, orgURL, username, password, rd string) (*url.URL, error) {
	return (&Env{URL: gatewayURL, OrgURL: orgURL}).SignIn(client, username, password, rd)
}
