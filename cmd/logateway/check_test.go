package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCheckNoSecretsAndSources(t *testing.T) {
	env := map[string]string{"LOGATEWAY_SITES_0_ORG_TIMEOUT": "4s"}
	getenv := func(k string) string { return env[k] }
	prod := "../../config/examples/production.yaml"

	t.Run("without the secrets a plain check fails", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"check", "--config", prod}, getenv, &out, &errOut)
		if ee, ok := err.(exitError); !ok || ee.code != 2 || !strings.Contains(ee.msg, "LOGATEWAY_ECA_CLIENT_SECRET") {
			t.Fatalf("want exit 2 naming LOGATEWAY_ECA_CLIENT_SECRET, got %v", err)
		}
	})
	t.Run("--no-secrets passes and says what it skipped, with every value's source", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"check", "--no-secrets", "--config", prod}, getenv, &out, &errOut); err != nil {
			t.Fatalf("check --no-secrets: %v\n%s", err, errOut.String())
		}
		o := out.String()
		for _, want := range []string{
			"apart from secrets and key files",
			"/callback.html",
			"Effective settings",
		} {
			if !strings.Contains(o, want) {
				t.Errorf("output lacks %q:\n%s", want, o)
			}
		}
		for _, row := range [][]string{
			{"sites[0].org.timeout", "4s", "env LOGATEWAY_SITES_0_ORG_TIMEOUT"},
			{"log.format", `"json"`, "file line 13"},
			{"sites[0].upstream.dial_timeout", "5s", "default"},
		} {
			if !hasRow(o, row...) {
				t.Errorf("want a settings row %q, got:\n%s", row, o)
			}
		}
	})
}

// hasRow reports whether one line of out holds all the fields, in order.
func hasRow(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(line), " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}
