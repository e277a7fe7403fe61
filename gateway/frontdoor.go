package gateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/salesforce"
)

// frontdoor mints a single-use frontdoor URL through the org's UI Bridge API.
// GET answers exactly like the /__lo/frontdoor helper of Salesforce's React ACC
// template (docs/salesforce.md §2.3); that template calls it only on localhost, so
// elsewhere an app passes the URL itself (README, docs/react-acc). POST is ours.
// The URL is never logged, cached or put in a URL we serve.
func (g *Gateway) frontdoor(c *gin.Context) {
	s := info(c).site
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	sess, ok := g.corsSession(c, s)
	if !ok {
		return
	}
	if sess == nil {
		g.fail(c, s, &failure{Status: http.StatusUnauthorized, Code: codeNoOrgFound, Heading: "Not signed in",
			Message: "Not signed in: sign in first.", LoginURL: pathLogin, Script: true})
		return
	}
	if wait, ok := s.limiter.allow(sess.ID); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		g.fail(c, s, &failure{Status: http.StatusTooManyRequests, Code: codeRateLimited, Heading: "Too many frontdoor URLs",
			Message: "Too many frontdoor URLs for this session; wait and retry.", Script: true})
		return
	}
	ctx := c.Request.Context()
	appID := ""
	if s.cfg.ECA.UIBridge == "lightning_out" {
		appID = s.cfg.LightningOut.AppID
	}
	tok, err := s.tokens.Valid(ctx, sess, false, "")
	var fd string
	if err == nil {
		// A site member's UI session is opened on the Experience Cloud site.
		fd, err = s.org.Frontdoor(ctx, firstNonEmpty(s.siteURL, tok.InstanceURL), tok.AccessToken, appID, "")
		if err != nil && salesforce.IsBadToken(err) {
			// The org ended the token early: renew once, try once more.
			if tok, err = s.tokens.Valid(ctx, sess, true, tok.AccessToken); err == nil {
				fd, err = s.org.Frontdoor(ctx, firstNonEmpty(s.siteURL, tok.InstanceURL), tok.AccessToken, appID, "")
			}
		}
	}
	if err != nil {
		g.frontdoorFailure(c, s, err)
		return
	}
	g.deps.Metrics.FrontdoorMint("ok")
	writeJSON(c, http.StatusOK, map[string]any{
		"frontdoorUrl": fd,
		"instanceUrl":  tok.InstanceURL,
		"orgId":        sess.Record.Identity.OrgID,
	})
}

func (g *Gateway) frontdoorFailure(c *gin.Context, s *site, err error) {
	g.deps.Metrics.FrontdoorMint("failed")
	if !g.tokenFailure(c, s, err) {
		g.fail(c, s, frontdoorFailed(err))
	}
}

// frontdoorFailed: the org refused the frontdoor URL (502 FRONTDOOR_FAILED)
// or did not answer (503 GATEWAY_ERROR), in the vocabulary of Salesforce's
// template helper; reason says which.
func frontdoorFailed(err error) *failure {
	if se, ok := salesforce.AsError(err); ok && !salesforce.IsTransient(err) {
		f := &failure{Status: http.StatusBadGateway, Code: codeFrontdoorFailed, Reason: reasonOrgRefused,
			Heading: "Frontdoor refused by the org", Message: "Salesforce refused to create a frontdoor URL.",
			Hint: se.Hint(), Script: true, Err: err}
		if se.Code == "Invalid_Scope" {
			f.Reason = reasonMissingWebScope
			f.Message = "The access token lacks the web (or full) scope, so Salesforce will not open a UI session. An administrator must add the web scope to the External Client App and eca.scopes."
		}
		return f
	}
	return &failure{Status: http.StatusServiceUnavailable, Code: codeGatewayError, Reason: reasonOrgUnavailable,
		Heading: "Frontdoor failed: org unavailable", Message: "Salesforce is not answering; try again shortly.", Script: true, Err: err}
}

// frontdoorMethodNotAllowed answers like Salesforce's template helper does.
func (g *Gateway) frontdoorMethodNotAllowed(c *gin.Context) {
	c.Header("Allow", "GET, POST, OPTIONS")
	g.fail(c, info(c).site, &failure{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed, Heading: "Method not allowed",
		Message: "Use GET", Script: true})
}
