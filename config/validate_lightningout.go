package config

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	appIDPattern = regexp.MustCompile(`^1Us[A-Za-z0-9]{15}$`)
	// LWC tag (c-my-comp) or namespace/name (c/myComp); Aura (c:x) is refused by LO 2.0.
	componentName = regexp.MustCompile(`^([a-z][a-z0-9]*-[a-zA-Z0-9-]+|[a-zA-Z][a-zA-Z0-9_]*/[a-zA-Z][a-zA-Z0-9_]*)$`)
)

func validateLightningOut(c *Config, s *Site, p string, ps *problems) {
	lo := &s.LightningOut
	if lo.AppID != "" && !appIDPattern.MatchString(lo.AppID) {
		ps.add(p+".lightning_out.app_id", "copy the 18-character id (starts with 1Us) from Lightning Out 2.0 App Manager",
			"%q is not a Lightning Out app id (want 1Us followed by 15 letters or digits)", lo.AppID)
	}
	for i, comp := range lo.Components {
		if !componentName.MatchString(comp) {
			ps.add(fmt.Sprintf("%s.lightning_out.components[%d]", p, i), "use the LWC tag (c-my-comp) or namespace/name (c/myComp); Aura components are not supported",
				"%q is not a Lightning web component name", comp)
		}
	}
	// The default (derived from my_domain) is judged through my_domain; only an explicit
	// override gets its own check, so one mistake yields one problem.
	if lo.ScriptURL != "" && lo.ScriptURL != s.Org.MyDomain+LightningOutScriptPath {
		checkHTTPURL(ps, p+".lightning_out.script_url", lo.ScriptURL, c.Dev, "leave it empty to use <my_domain>"+LightningOutScriptPath)
	}
	switch lo.Bootstrap {
	case "native":
	case "sdk":
		if lo.SDKURL == "" {
			ps.add(p+".lightning_out.sdk_url", "set the URL (or a /path served by this site) of the ACC Web SDK IIFE bundle, or use bootstrap: native",
				"missing: bootstrap sdk loads the ACC Web SDK from this URL")
		} else if !strings.HasPrefix(lo.SDKURL, "/") {
			checkHTTPURL(ps, p+".lightning_out.sdk_url", lo.SDKURL, c.Dev, "use an https URL or a path such as /__lo/static/acc-sdk.js")
		}
	default:
		ps.add(p+".lightning_out.bootstrap", "use native (default) or sdk", "%q is not a bootstrap mode", lo.Bootstrap)
	}
	if lo.RemintInterval <= 0 {
		ps.add(p+".lightning_out.remint_interval", "use a positive duration shorter than org.session_timeout, or leave it empty for 3/4 of it", "%s is not positive", lo.RemintInterval)
	} else if s.Org.SessionTimeout > 0 && lo.RemintInterval >= s.Org.SessionTimeout {
		ps.add(p+".lightning_out.remint_interval", "make it shorter than org.session_timeout, or leave it empty for 3/4 of it",
			"%s is not shorter than org.session_timeout %s, so the embedded session would expire before it is renewed", lo.RemintInterval, s.Org.SessionTimeout)
	}
}
