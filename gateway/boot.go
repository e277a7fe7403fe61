package gateway

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/static"
)

// Constants the browser needs from the gateway. bootstrap.js keeps the same
// values only as fallbacks for a boot config written by hand.
const (
	// bootMaxRetries is how many consecutive failures the page retries (with
	// backoff) before it gives up and offers Reconnect.
	bootMaxRetries = 5
	// bootReadyTimeout is how long a (re)connect may take before the page treats
	// the chat as broken: Lightning Out's own frame timeout (60 s) plus a margin.
	bootReadyTimeout = 75 * time.Second
	// bootContainerID is templates/embed.html's mount point.
	bootContainerID = "lo-container"
)

// buildBoot builds the site's boot configs once per config version: the one
// GET /__lo/boot serves (for launcher.js, floating by default) as JSON, and the
// embed page's ACC (inline in its card).
func (s *site) buildBoot(cfg *config.Config) error {
	s.boot = s.bootConfig(cfg)
	s.embedACC = inlineACC(s.boot.ACC)
	var err error
	if s.bootJSON, err = json.Marshal(s.boot); err != nil {
		return fmt.Errorf("site %s: boot config: %w", s.cfg.URL, err)
	}
	return nil
}

// bootConfig is what bootstrap.js reads (templates/embed.html and GET
// /__lo/boot): nothing secret, everything the ACC needs.
func (s *site) bootConfig(cfg *config.Config) static.Boot {
	sc := s.cfg
	remint := sc.LightningOut.RemintInterval.D()
	if remint <= 0 {
		remint = sc.Org.SessionTimeout.D() * 3 / 4
	}
	components := sc.LightningOut.Components
	if components == nil {
		components = []string{}
	}
	return static.Boot{
		Version:           static.BootVersion,
		Mode:              firstNonEmpty(sc.LightningOut.Bootstrap, "native"),
		OrgOrigin:         s.orgOrigin,
		ScriptURL:         s.scriptURL,
		AppID:             sc.LightningOut.AppID,
		SitePrefix:        sc.SitePrefix(),
		Components:        components,
		ACC:               accConfig(sc.ACC),
		FrontdoorEndpoint: pathFrontdoor,
		SessionEndpoint:   pathSession,
		HandoffEndpoint:   pathHandoff,
		// Without CHIPS the Storage Access API can reach the gateway's own
		// (unpartitioned) cookie from inside a frame.
		CookiePartitioned: sc.Cookie.Partitioned,
		LoginURL:          pathLogin,
		AutoStart:         sc.Signin.AutoStart,
		Popup:             sc.Signin.Popup,
		RemintIntervalMs:  remint.Milliseconds(),
		SessionTimeoutMs:  sc.Org.SessionTimeout.D().Milliseconds(),
		MaxRetries:        bootMaxRetries,
		ReadyTimeoutMs:    bootReadyTimeout.Milliseconds(),
		ContainerID:       bootContainerID,
		GatewayOrigin:     s.origin,
		DevMode:           cfg.Dev,
	}
}

// accConfig is the site's ACC as configured (floating unless acc.mode says
// otherwise); nil when the site has none.
func accConfig(a config.ACC) *static.ACC {
	if a.Disabled {
		return nil
	}
	out := &static.ACC{
		AgentID:    a.AgentID,
		AgentLabel: a.AgentLabel,
		RenderingConfig: static.RenderingConfig{
			Mode:               firstNonEmpty(a.Mode, "floating"),
			Width:              a.Width,
			Height:             a.Height,
			HeaderEnabled:      a.HeaderEnabled,
			ShowHeaderIcon:     a.ShowHeaderIcon,
			ShowAvatar:         a.ShowAvatar,
			HeaderImageURL:     a.HeaderImageURL,
			HeaderImageAlt:     a.HeaderImageAlt,
			AgentAvatarURL:     a.AgentAvatarURL,
			AgentAvatarAltText: a.AgentAvatarAlt,
		},
	}
	if len(a.StyleTokens) > 0 {
		out.StyleTokens = a.StyleTokens
	}
	return out
}

// inlineACC is the site's ACC config as the embed page uses it: inline, filling
// the page's chat card, whatever acc.mode says for the launcher on other pages
// (a floating chat on its own page covered the page's status and Sign out). The
// configured width and height are the floating widget's, so the card's size
// applies instead. nil when the site has no ACC.
func inlineACC(acc *static.ACC) *static.ACC {
	if acc == nil {
		return nil
	}
	out := *acc
	out.RenderingConfig.Mode = "inline"
	out.RenderingConfig.Width = ""
	out.RenderingConfig.Height = ""
	return &out
}

// embedBoot is the embed page's boot config for one visitor.
func (s *site) embedBoot(signedIn bool, loginURL string) static.Boot {
	b := s.boot
	b.SignedIn = signedIn
	b.LoginURL = loginURL
	b.ACC = s.embedACC
	return b
}
