package devorg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// An Experience Cloud site: the org answers under the site's path prefix with the site
// URL as issuer and base of what it hands out (1.1, 1.11, 2.1, 3.2, 5.3).
func TestExperienceCloudSite(t *testing.T) {
	key, certPEM := testCert(t)
	const jwtClient = "3MVG9devorg.site.jwt"
	e := newEnv(t, func(c *Config) {
		c.Sites = []Site{{Prefix: "/support"}}
		c.Apps = append(c.Apps, App{Name: "jwt", ClientID: jwtClient, Scopes: []string{"web", "api", "lightning"}, JWTBearer: true,
			CertificatePEM: certPEM, PermittedUsers: AdminApproved, AssignedUsernames: []string{"alice@devorg.example"}})
	})
	site := e.srv.URL + "/support"
	t.Run("discovery at the site names the site URL as issuer and its endpoints", func(t *testing.T) {
		resp, err := http.Get(site + discoveryPath)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &doc)
		if doc["issuer"] != site || doc["token_endpoint"] != site+tokenPath || doc["jwks_uri"] != site+keysPath {
			t.Errorf("wanted issuer and endpoints under %s, got %v", site, doc)
		}
	})
	t.Run("a code exchanged at the site gets an id_token from the site and sfdc_community_url", func(t *testing.T) {
		code, verifier := e.code(map[string]string{"scope": "web api lightning openid"})
		resp, err := http.PostForm(site+tokenPath, codeForm(code, verifier))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &body)
		if resp.StatusCode != 200 || body["sfdc_community_url"] != site || body["instance_url"] != e.srv.URL {
			t.Fatalf("wanted 200 with sfdc_community_url %s and instance_url the My Domain, got %d %v", site, resp.StatusCode, body)
		}
		if iss := unverifiedClaims(t, body["id_token"].(string))["iss"]; iss != site {
			t.Errorf("wanted id_token iss %s, got %v", site, iss)
		}
		req, _ := http.NewRequest(http.MethodPost, site+singleAccessPath, nil)
		req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		fd := frontdoorURI(t, readBody(t, r2))
		if !strings.HasPrefix(fd, site+frontdoorPath+"?") {
			t.Fatalf("wanted a frontdoor URL on the site, got %s", strings.Split(fd, "?")[0])
		}
		r3, err := e.browser().Get(fd + "&startURL=" + url.QueryEscape("/lightning/lightning.out.auth.html?x=1"))
		if err != nil {
			t.Fatal(err)
		}
		r3.Body.Close()
		if r3.StatusCode != 302 || cookieNamed(r3, "sid") == nil {
			t.Errorf("wanted the site's frontdoor to open a session, got %d", r3.StatusCode)
		}
	})
	t.Run("the site URL is an accepted JWT audience", func(t *testing.T) {
		a := assertion(t, key, map[string]any{"iss": jwtClient, "sub": "alice@devorg.example", "aud": site, "exp": time.Now().Add(time.Minute).Unix()})
		resp, body := e.post(tokenPath, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}})
		if resp.StatusCode != 200 {
			t.Errorf("wanted 200 for aud %s, got %d %v", site, resp.StatusCode, body)
		}
	})
	t.Run("Lightning Out's <prefix>/lightning-out page is the component container", func(t *testing.T) {
		resp, err := http.Get(site + "/lightning-out?componentName=runtime_copilot/accSdkWrapper&parentElementId=x&loAppOrigin=http%3A%2F%2Flocalhost%3A8080&appId=" + DefaultLOAppID)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("wanted the container page, got %d %q %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("a prefix that is only a longer path is not the site", func(t *testing.T) {
		resp, err := http.Get(e.srv.URL + "/supportx" + discoveryPath)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode == 200 {
			t.Errorf("wanted /supportx not to be the site")
		}
	})
}
