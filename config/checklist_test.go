package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestChecklist(t *testing.T) {
	t.Run("production site lists callback, scope labels and host settings", func(t *testing.T) {
		dir := t.TempDir()
		c, err := Load(copyExample(t, "production.yaml", dir), envMap(map[string]string{
			"LOGATEWAY_ECA_CLIENT_SECRET": "s", "LOGATEWAY_SESSION_KEYS": sessionKey1, "LOGATEWAY_REDIS_PASSWORD": "p",
		}))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		Checklist(&b, c)
		out := b.String()
		for _, want := range []string{
			"https://www.example.com/callback.html",
			"Manage user data via Web browsers (web)",
			"Access unique user identifiers (openid)",
			"Perform requests at any time (refresh_token, offline_access)",
			"Access the identity URL service (id, profile, email, address, phone)",
			"Enable Authorization Code and Credentials Flow: checked",
			"Enable Client Credentials Flow: unchecked",
			"Require Proof Key for Code Exchange (PKCE)",
			"Require secret for Web Server Flow: checked",
			"Require secret for Refresh Token Flow: checked",
			"App Status: Enabled",
			"https://partner.example.org",
			"runtime_copilot/accSdkWrapper",
			"IFrame Type: Lightning Out",
			"IframeWhiteListUrlSettings",
			"Require first-party use of Salesforce cookies",
			"CORS: nothing to add for the gateway",
			"API Only User",
			"LOGATEWAY_ECA_CLIENT_SECRET",
			// Why visitors see a consent page, what it lists, and how to spare them it.
			"each visitor sees Salesforce's \"Allow Access?\" page",
			"  - Manage user data via Web browsers (web)",
			"To spare visitors that page, pre-approve the app: Permitted Users = Admin approved users are pre-authorized",
			"Manage Profiles / Manage Permission Sets",
			// Sign-out's end-session return address.
			"to send the visitor back to: https://www.example.com/__lo/signedout",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("want the checklist to contain %q, got:\n%s", want, out)
			}
		}
		if strings.Contains(out, "Enable JWT Bearer Flow") {
			t.Errorf("want no JWT bearer step for a web-server site, got:\n%s", out)
		}
		// Steps are numbered 1., 2., … for copy-paste into a ticket.
		if !strings.Contains(out, " 1. Setup → External Client App Manager") || !strings.Contains(out, " 9. ") {
			t.Errorf("want numbered steps, got:\n%s", out)
		}
	})
	t.Run("jwt-bearer site asks for the certificate and admin approval", func(t *testing.T) {
		dir := t.TempDir()
		writeKeyPair(t, dir)
		c, err := Load(copyExample(t, "jwt-bearer.yaml", dir), envMap(map[string]string{"LOGATEWAY_OKTA_CLIENT_SECRET": "x", "LOGATEWAY_SESSION_KEYS": sessionKey1}))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		Checklist(&b, c)
		out := b.String()
		for _, want := range []string{"Enable JWT Bearer Flow: checked; upload certificate: " + dir + "/jwt.crt", "Admin approved users are pre-authorized", "Select Profiles / Select Permission Sets", "signin.idp.username_claim = email", "Visitors never see a consent page"} {
			if !strings.Contains(out, want) {
				t.Errorf("want the checklist to contain %q, got:\n%s", want, out)
			}
		}
		if strings.Contains(out, "signin.idp.email") {
			t.Errorf("want no signin.idp.email (not a key; the key is signin.idp.username_claim), got:\n%s", out)
		}
	})
	t.Run("interaction API relay asks for JWT-based tokens for named users", func(t *testing.T) {
		c := validConfig()
		c.Sites[0].ECA.Scopes = []string{"web", "openid", "refresh_token", "interaction_api"}
		c.Sites[0].Signin.JWT.KeyFile = "/k"
		c.Sites[0].APIRelay = []APIRoute{{Prefix: "/__lo/interaction/", Identity: "service", ServiceFlow: "jwt-bearer", ServiceUsername: "byoc@acme.com"}}
		c.Normalize()
		var b bytes.Buffer
		Checklist(&b, c)
		out := b.String()
		for _, want := range []string{"Access Interaction API resources (interaction_api)", "Issue JWT-based access tokens for named users: checked", "byoc@acme.com", "Enable JWT Bearer Flow: checked"} {
			if !strings.Contains(out, want) {
				t.Errorf("want the checklist to contain %q, got:\n%s", want, out)
			}
		}
	})
}
