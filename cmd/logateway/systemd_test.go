package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const unitPath = "../../deploy/systemd/logateway.service"

// unitDirectives reads the unit's Key=Value lines (comments skipped), in order.
func unitDirectives(t *testing.T) [][2]string {
	t.Helper()
	data, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

func TestSystemdUnitIsSandboxedAndReloadsWithSIGHUP(t *testing.T) {
	d := map[string][]string{}
	for _, kv := range unitDirectives(t) {
		d[kv[0]] = append(d[kv[0]], kv[1])
	}
	for k, want := range map[string]string{
		"DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
		"ExecReload": "/bin/kill -HUP $MAINPID", "RestartPreventExitStatus": "2",
	} {
		if got := d[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: want %q, got %q", k, want, got)
		}
	}
	if exec := strings.Join(d["ExecStart"], ""); !strings.Contains(exec, " serve --require-config ") {
		t.Errorf("ExecStart must never start dev mode (serve --require-config), got %q", exec)
	}
	if len(d["LoadCredential"]) < 2 {
		t.Errorf("want the client secret and session keys as LoadCredential, got %q", d["LoadCredential"])
	}
	// Every LOGATEWAY_ override the unit sets is a key of the reference.
	ref, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d["Environment"] {
		name, _, _ := strings.Cut(e, "=")
		doc := strings.ReplaceAll(name, "_0_", "_<i>_")
		if !bytes.Contains(ref, []byte("`"+doc+"`")) {
			t.Errorf("Environment=%s: %s is no configuration key's override", e, name)
		}
	}
}

// The unit's secrets arrive as credential files named through LOGATEWAY_ overrides;
// a config with no secret source of its own passes check that way.
func TestSystemdCredentialsReachTheConfigThroughEnvOverrides(t *testing.T) {
	creds := t.TempDir()
	_ = os.WriteFile(filepath.Join(creds, "eca-client-secret"), []byte("consumer-secret\n"), 0o600)
	_ = os.WriteFile(filepath.Join(creds, "session-keys"), []byte(strings.Repeat("k", 32)+"\n"), 0o600)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	_ = os.WriteFile(cfg, []byte(`sites:
  - url: https://www.example.com
    org: {my_domain: https://acme.my.salesforce.com}
    eca: {client_id: 3MVG9abc}
    lightning_out: {app_id: 1Us000000000001AAA}
    acc: {agent_id: 0Xx000000000001AAA}
`), 0o600)
	env := map[string]string{}
	for _, kv := range unitDirectives(t) {
		if kv[0] == "Environment" {
			k, v, _ := strings.Cut(kv[1], "=")
			env[k] = strings.ReplaceAll(v, "%d", creds)
		}
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check", "--config", cfg}, func(k string) string { return env[k] }, &out, &errOut)
	if err != nil {
		t.Fatalf("check with the unit's environment: %v", err)
	}
	if !hasRow(out.String(), "sites[0].eca.client_secret_file", `"`+filepath.Join(creds, "eca-client-secret")+`"`, "env", "LOGATEWAY_SITES_0_ECA_CLIENT_SECRET_FILE") {
		t.Errorf("want client_secret_file from the unit's environment, got:\n%s", out.String())
	}
}

func TestSystemdAnalyzeVerifiesTheUnit(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("LOGATEWAY_REQUIRE_SYSTEMD_ANALYZE") != "" {
			t.Fatal("systemd-analyze is required (LOGATEWAY_REQUIRE_SYSTEMD_ANALYZE) but missing: apt-get install systemd")
		}
		t.Skip("systemd-analyze not installed")
	}
	data, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart's program exists: point it at the binary just built.
	unit := filepath.Join(t.TempDir(), "logateway.service")
	if err := os.WriteFile(unit, bytes.ReplaceAll(data, []byte("/usr/local/bin/logateway"), []byte(binary(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
