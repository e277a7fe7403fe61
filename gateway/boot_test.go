package gateway

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
)

// TestBootJSONIsWhatBootstrapReads pins the boot config's JSON: the field names
// bootstrap.js and launcher.js read, with the values the gateway owns.
func TestBootJSONIsWhatBootstrapReads(t *testing.T) {
	on := true
	sc := config.Site{URL: "https://gw.example.com"}
	sc.Org.SessionTimeout = config.Duration(2 * time.Hour)
	sc.Org.SiteURL = "https://acme.my.site.com/support"
	sc.LightningOut.AppID = "1UsXX0000000001AAA"
	sc.ACC = config.ACC{AgentID: "0XxXX0000000001AAA", Width: "420px", HeaderEnabled: &on, StyleTokens: map[string]string{"a": "#fff"}}
	s := &site{cfg: sc, origin: "https://gw.example.com", orgOrigin: "https://acme.my.salesforce.com", scriptURL: "https://acme.my.salesforce.com/lo.js"}
	if err := s.buildBoot(&config.Config{}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(s.bootJSON, &got); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"version", "mode", "orgOrigin", "scriptURL", "appId", "sitePrefix", "components", "acc",
		"frontdoorEndpoint", "sessionEndpoint", "handoffEndpoint", "cookiePartitioned", "loginURL", "signedIn",
		"autoStart", "popup", "remintIntervalMs", "sessionTimeoutMs", "maxRetries", "readyTimeoutMs",
		"containerId", "gatewayOrigin", "devMode"}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, slices.Sorted(slices.Values(wantKeys))) {
		t.Errorf("boot keys: want %v, got %v", slices.Sorted(slices.Values(wantKeys)), keys)
	}
	for k, want := range map[string]any{
		"version": 1.0, "mode": "native", "sitePrefix": "/support", "maxRetries": 5.0, "readyTimeoutMs": 75000.0,
		"remintIntervalMs": 5400000.0, "sessionTimeoutMs": 7200000.0, "containerId": "lo-container", "signedIn": false,
	} {
		if got[k] != want {
			t.Errorf("boot %s: want %v, got %v", k, want, got[k])
		}
	}
	if c, ok := got["components"].([]any); !ok || len(c) != 0 {
		t.Errorf("boot components: want [] (never null), got %v", got["components"])
	}
	acc, _ := got["acc"].(map[string]any)
	rc, _ := acc["renderingConfig"].(map[string]any)
	if rc["mode"] != "floating" || rc["width"] != "420px" || rc["headerEnabled"] != true {
		t.Errorf("launcher acc.renderingConfig: want floating, 420px, header on; got %v", rc)
	}

	embed := s.embedBoot(true, "/__lo/login?rd=%2Fchat")
	if !embed.SignedIn || embed.LoginURL != "/__lo/login?rd=%2Fchat" || embed.ACC.RenderingConfig.Mode != "inline" || embed.ACC.RenderingConfig.Width != "" {
		t.Errorf("embed boot: want signed in, its login URL and an inline ACC without width; got %+v %+v", embed, embed.ACC)
	}
	if s.boot.ACC.RenderingConfig.Mode != "floating" || s.boot.SignedIn {
		t.Errorf("the launcher's boot changed under the embed page's: %+v", s.boot.ACC.RenderingConfig)
	}

	s.cfg.ACC.Disabled = true
	s.cfg.LightningOut.Components = []string{"c/myComp"}
	if err := s.buildBoot(&config.Config{}); err != nil {
		t.Fatal(err)
	}
	got = nil
	_ = json.Unmarshal(s.bootJSON, &got)
	if v, ok := got["acc"]; !ok || v != nil {
		t.Errorf("plain components: want \"acc\": null, got %v (present %v)", v, ok)
	}
	if s.embedBoot(false, "/x").ACC != nil {
		t.Error("plain components: want no ACC on the embed page either")
	}
}
