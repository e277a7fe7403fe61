package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// embed serves the page that bootstraps the ACC through Lightning Out 2.0. It
// works signed out too: the page then offers (or starts) sign-in.
func (g *Gateway) embed(c *gin.Context, s *site) {
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	self := c.Request.URL.Path
	loginURL := "/__lo/login?rd=" + url.QueryEscape(self)
	// A framed embed page never navigates itself to the org (which refuses to
	// be framed): it offers the popup sign-in instead.
	if sess == nil && s.cfg.Signin.AutoStart && c.Query("signedout") == "" && !framed(c.Request) {
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, loginURL)
		return
	}
	nonce := trust.NewNonce()
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", s.embedCSP().Header(nonce))
	data := templates.EmbedData{
		Page:      g.page(c, s, nonce, firstNonEmpty(s.cfg.Embed.Title, "Chat")),
		SignedIn:  sess != nil,
		LoginURL:  loginURL,
		LogoutURL: "/__lo/logout?rd=" + url.QueryEscape(self),
		Boot:      s.embedBoot(sess != nil, loginURL),
		ScriptURL: s.scriptURL,
	}
	if sess != nil {
		data.DisplayName = displayName(sess.Record)
		data.CSRFToken = sess.Record.CSRF
	}
	g.render(c, http.StatusOK, "embed", data)
}

// embedCSP allows exactly what the embed needs: our scripts by nonce and from
// 'self', the org's Lightning Out library, frames from the org, fetches to us.
func (s *site) embedCSP() trust.CSP {
	scripts := []string{"'self'"}
	if o := originOf(s.scriptURL); o != "" {
		scripts = append(scripts, o)
	}
	imgs := []string{"'self'", "data:", s.orgOrigin}
	return trust.CSP{
		Default:        []string{"'self'"},
		Script:         scripts,
		Style:          []string{"'self'"},
		Img:            imgs,
		Connect:        []string{"'self'"},
		Frame:          s.frameOrigins(),
		FrameAncestors: strings.Fields(s.policy.FrameAncestors()),
		Form:           s.signoutFormAction(),
		Base:           []string{"'none'"},
		Object:         []string{"'none'"},
	}
}

// devIndex is the landing page in dev mode when the site has no upstream.
func (g *Gateway) devIndex(c *gin.Context, s *site) {
	sess, ok := g.loadSession(c, s)
	if !ok {
		return
	}
	nonce := trust.NewNonce()
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP(s).Header(nonce))
	data := templates.DevIndexData{
		Page:      g.page(c, s, nonce, "logateway dev mode"),
		EmbedPath: s.embedPath,
		LoginURL:  "/__lo/login?rd=" + url.QueryEscape(firstNonEmpty(s.embedPath, "/")),
		OrgURL:    g.deps.DevOrgURL,
	}
	for _, u := range g.deps.DevUsers {
		data.Users = append(data.Users, struct{ Username, Password string }{u[0], u[1]})
	}
	if sess != nil {
		data.SignedIn = true
		data.DisplayName = displayName(sess.Record)
	}
	g.render(c, http.StatusOK, "devindex", data)
}

// proxyRequest sends a request upstream, by the site's access rules.
func (g *Gateway) proxyRequest(c *gin.Context, s *site) {
	r := c.Request
	access := s.rules.MatchRequest(r)
	sess, err := s.loadSession(r.Context(), r)
	if err != nil && !isNoSession(err) {
		g.storeFailure(c, s, err)
		return
	}
	if sess != nil && s.crossSiteWrite(r) {
		if s.crossSite == crossSiteRefuse {
			g.refuseCrossSite(c, s)
			return
		}
		g.deps.Logger.Debug("cross-site write proxied without the session", "rid", info(c).rid, "site", s.name)
		sess = nil
	}
	if sess == nil {
		if access == protectedAccess {
			g.needSignin(c, s)
			return
		}
		c.Writer.Header().Del(hstsHeader) // the upstream's answer, the upstream's policy
		s.proxy.Serve(c.Writer, r, nil)
		return
	}
	c.Writer.Header().Del(hstsHeader)
	s.proxy.Serve(c.Writer, r, s.identityFor(sess.Record))
}

// needSignin: pages are sent to sign in; scripts get 401 JSON they can act on.
func (g *Gateway) needSignin(c *gin.Context, s *site) {
	r := c.Request
	rd := r.URL.Path
	if r.URL.RawQuery != "" {
		rd += "?" + r.URL.RawQuery
	}
	login := "/__lo/login?rd=" + url.QueryEscape(rd)
	c.Header("Cache-Control", "no-store")
	if wantsJSON(r) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeJSON(c, http.StatusUnauthorized, map[string]any{
			"error": "AUTHENTICATION_REQUIRED", "message": "Sign in to use this resource.", "loginUrl": login, "status": 401,
		})
		return
	}
	c.Redirect(http.StatusFound, login)
}

// sessionExpiry is when the session ends if the visitor does nothing: the idle
// deadline, capped by the absolute one.
func (g *Gateway) sessionExpiry(rec *session.Record) time.Time {
	cfg := g.Config().Session
	idle := rec.LastSeen.Add(cfg.IdleTimeout.D())
	abs := rec.CreatedAt.Add(cfg.AbsoluteTimeout.D())
	if abs.Before(idle) {
		return abs
	}
	return idle
}

// upstreamError answers a failed upstream call: 502 (refused, reset) or 504
// (timeout), as a page with the request id; the gateway stays healthy.
func (g *Gateway) upstreamError(s *site) func(w http.ResponseWriter, r *http.Request, status int, err error) {
	return func(w http.ResponseWriter, r *http.Request, status int, err error) {
		rid := r.Header.Get("X-Request-Id")
		g.deps.Logger.Error("upstream failed", "rid", rid, "site", s.name, "status", status, "err", err.Error())
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		if wantsJSON(r) {
			h.Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":"UPSTREAM_UNAVAILABLE","status":%d,"requestId":%q}`+"\n", status, rid)
			return
		}
		nonce := trust.NewNonce()
		h.Set("Content-Security-Policy", pageCSP(s).Header(nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		heading := "The site is not answering"
		if status == http.StatusGatewayTimeout {
			heading = "The site took too long to answer"
		}
		p := templates.Page{Nonce: nonce, RequestID: rid, SiteName: s.name, Title: heading, DevMode: g.deps.DevOrgURL != "", DevOrgURL: g.deps.DevOrgURL}
		_ = g.deps.Templates.Render(w, status, "error", templates.ErrorData{Page: p, Status: status, Heading: heading,
			Message: "The gateway is fine, but the site behind it did not answer. Try again in a moment.", RetryURL: r.URL.Path, RetryLabel: "Try again"})
	}
}
