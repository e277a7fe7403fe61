package a11y

import (
	"os"
	"strings"
	"testing"
)

func TestTheVendoredAxeCoreIsThePinnedReleaseWithItsLicense(t *testing.T) {
	if want := "/*! axe v" + Version + "\n"; !strings.HasPrefix(axeSource, want) {
		t.Errorf("want axe.min.js to start with %q (run `make axe-core` after changing Version), got %q", want, axeSource[:min(len(axeSource), 40)])
	}
	for _, f := range []string{"axe-core.LICENSE", "axe-core.LICENSE-3RD-PARTY.txt"} {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			t.Errorf("want %s beside axe.min.js (its license travels with it), got %v", f, err)
		}
	}
}

func TestOnlySeriousAndCriticalViolationsAreSerious(t *testing.T) {
	for impact, want := range map[string]bool{"critical": true, "serious": true, "moderate": false, "minor": false, "": false} {
		if got := (Violation{Impact: impact}).Serious(); got != want {
			t.Errorf("Violation{Impact: %q}.Serious() = %v, want %v", impact, got, want)
		}
	}
}
