package devorg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeOrgFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "devorg.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOrgFile(t *testing.T) {
	t.Run("an empty file is the default org with its HTTP knobs", func(t *testing.T) {
		f, err := ReadFile(writeOrgFile(t, ""))
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.Config("http://127.0.0.1:1", []string{testCallback}, nil)
		if err != nil || !c.Knobs || len(c.Users) != 4 || c.Apps[0].ClientID != DefaultClientID {
			t.Errorf("wanted DefaultConfig with knobs, got %v %+v", err, c.Apps)
		}
	})
	t.Run("an unknown key names its line", func(t *testing.T) {
		_, err := ReadFile(writeOrgFile(t, "org_type: sandbox\napps:\n  - client_id: x\n    flow: [jwt_bearer]\n"))
		if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "flow") {
			t.Errorf("wanted an error naming line 4 and the key, got %v", err)
		}
	})
	t.Run("jwt_bearer without a certificate names apps[0].certificate_file", func(t *testing.T) {
		f, err := ReadFile(writeOrgFile(t, "apps:\n  - client_id: x\n    flows: [jwt_bearer]\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Config("", nil, nil); err == nil || !strings.Contains(err.Error(), "apps[0].certificate_file") {
			t.Errorf("wanted a problem at apps[0].certificate_file, got %v", err)
		}
	})
	t.Run("apps, certificates, pre-authorization, users, org type and knobs are read", func(t *testing.T) {
		_, certPEM := testCert(t)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "jwt.crt"), []byte(certPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "org.yaml")
		body := `org_type: sandbox
users:
  - {id: 005Acme0000000JANE, username: jane@acme.com.sf, password: jane}
apps:
  - client_id: cid
    flows: [jwt_bearer, client_credentials]
    certificate_file: jwt.crt
    run_as: jane@acme.com.sf
    permitted_users: admin_approved
    pre_authorized: [jane@acme.com.sf]
    approved: [jane@acme.com.sf]
lightning_out_apps: [{id: 1UsAb000000Xyz2CAA, enabled: false}]
knobs: {http: false, ui_bridge_silent_bad_token: true, lightning_out_scopes: [], issuer_is_login_host: true, no_lightning_out_library: true, lo_bridge_checks_app_first: true, lo_component_reports_session_end: true}
`
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.Config("http://127.0.0.1:1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := c.Apps[0]
		if c.OrgType != OrgSandbox || len(c.Users) != 1 || !c.Users[0].Active || !a.JWTBearer || !a.ClientCredentials || a.AuthorizationCode ||
			a.CertificatePEM != certPEM || a.PermittedUsers != AdminApproved || a.AssignedUsernames[0] != "jane@acme.com.sf" || !a.RequirePKCE {
			t.Errorf("app or users not as written: %+v %+v", c.Users, a)
		}
		if c.Knobs || !c.Assumptions.UIBridgeSilentBadToken || c.Assumptions.LightningOutScopes == nil || len(c.Assumptions.LightningOutScopes) != 0 ||
			!c.Assumptions.IssuerIsLoginHost || c.LOApps[0].Enabled || !c.NoLightningOutLibrary || !c.Assumptions.LOBridgeChecksAppFirst ||
			!c.Assumptions.LOComponentReportsSessionEnd {
			t.Errorf("knobs not as written: knobs=%v %+v %+v", c.Knobs, c.Assumptions, c.LOApps)
		}
		org, err := New(c)
		if err != nil {
			t.Fatalf("New from the file's config: %v", err)
		}
		for _, ap := range f.Approvals() {
			if err := org.Approve(ap[0], ap[1]); err != nil {
				t.Errorf("Approve %v: %v", ap, err)
			}
		}
	})
}
