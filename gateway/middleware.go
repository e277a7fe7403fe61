package gateway

import (
	"go.opentelemetry.io/otel/trace"

	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// reqInfo travels with a request through the chain.
type reqInfo struct {
	rid   string
	site  *site
	route string // fixed route name for metrics and logs; never a raw path
}

const infoKey = "logateway.req"

func info(c *gin.Context) *reqInfo {
	if v, ok := c.Get(infoKey); ok {
		return v.(*reqInfo)
	}
	return &reqInfo{rid: obs.NewRequestID()}
}

// observe assigns the request id, picks the site, and after the handler records
// the metrics and one access-log line. Built once per config version.
func (g *Gateway) observe(st *state) gin.HandlerFunc {
	m := g.deps.Metrics
	alog := g.deps.AccessLog
	hsts := st.cfg.Server.HSTS.Header()
	inFlight := m.InFlight()
	tracing := g.deps.Tracing
	return func(c *gin.Context) {
		start := time.Now()
		var span trace.Span
		if tracing != nil {
			c.Request, span = tracing.ServerSpan(c.Request)
		}
		r := c.Request
		rid := r.Header.Get(obs.RequestIDHeader)
		if !obs.SaneRequestID(rid) {
			rid = obs.NewRequestID()
		}
		// Always exactly one value: the upstream sees the same id, and a second,
		// unchecked X-Request-Id a client added never reaches its logs.
		r.Header.Set(obs.RequestIDHeader, rid)
		c.Writer.Header().Set(obs.RequestIDHeader, rid)
		ri := &reqInfo{rid: rid, site: st.siteFor(r.Host)}
		c.Set(infoKey, ri)
		// Every answer the gateway itself writes on an https site carries HSTS:
		// pages, redirects, JSON. Proxied answers drop it again (proxyRequest):
		// there the upstream's own policy stands.
		if hsts != "" && ri.site != nil && ri.site.secure {
			c.Writer.Header().Set(hstsHeader, hsts)
		}
		inFlight.Inc()
		defer inFlight.Dec()
		c.Next()
		route := ri.route
		if route == "" {
			route = c.FullPath()
			if route == "" {
				route = "other"
			}
		}
		status := c.Writer.Status()
		d := time.Since(start)
		m.Observe(route, status, d.Seconds())
		if span != nil {
			site := ""
			if ri.site != nil {
				site = ri.site.name
			}
			obs.EndServerSpan(span, route, site, status)
		}
		if alog != nil {
			e := obs.AccessEntry{RID: rid, Method: r.Method, Path: r.URL.Path, Route: route,
				Status: status, Bytes: c.Writer.Size(), Dur: d, Remote: r.RemoteAddr}
			if ri.site != nil {
				e.Site = ri.site.name
			}
			// Path only: queries carry codes and states on the callback.
			alog.Log(&e)
		}
	}
}

// recoverer turns a panic into a 500 page and a log line with the stack; the
// process keeps serving.
func (g *Gateway) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // the proxy aborts a broken stream this way on purpose
			}
			ri := info(c)
			g.deps.Logger.Error("panic while serving a request", "rid", ri.rid, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				g.fail(c, ri.site, http.StatusInternalServerError, failure{Reason: "internal", Heading: "Something went wrong", Message: "The gateway hit an unexpected error. Try again in a moment."})
			}
			c.Abort()
		}
	}()
	c.Next()
}

func (g *Gateway) needSite(c *gin.Context) {
	if info(c).site == nil {
		g.fail(c, nil, http.StatusMisdirectedRequest, failure{
			Reason: "unknown_host", Heading: "Unknown site",
			Message: "This gateway does not serve the site you asked for.",
		})
		c.Abort()
	}
}

func (g *Gateway) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusOK, "ok\n")
}

func (g *Gateway) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if err := g.Ready(c.Request.Context()); err != nil {
		// The public listener answers anyone: the cause (store addresses,
		// driver messages) goes to the log, not to the caller.
		g.deps.Logger.Warn("not ready", "rid", info(c).rid, "err", err.Error())
		c.String(http.StatusServiceUnavailable, "not ready: the session store is unreachable\n")
		return
	}
	c.String(http.StatusOK, "ready\n")
}

// failure is what a visitor (and the log) is told when something goes wrong.
type failure struct {
	Reason  string // machine-readable, stable: JSON "error"/"reason"
	Heading string
	Message string // for the visitor
	Hint    string // for the admin: in the log always, on the page in dev mode
	Retry   string // retry link
	Err     error  // logged, never shown
	JSON    map[string]any
}

// wantsJSON tells scripts from page loads, so fetch() never follows a redirect
// into an HTML page it cannot use.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/__lo/frontdoor") || strings.HasPrefix(r.URL.Path, "/__lo/session") || strings.HasPrefix(r.URL.Path, "/__lo/boot") || strings.HasPrefix(r.URL.Path, "/__lo/handoff") {
		return true
	}
	if r.Header.Get("X-Requested-With") != "" {
		return true
	}
	switch r.Header.Get("Sec-Fetch-Mode") {
	case "cors", "same-origin", "no-cors":
		return r.Header.Get("Sec-Fetch-Dest") == "" || r.Header.Get("Sec-Fetch-Dest") == "empty"
	case "navigate":
		return false
	}
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// fail answers with an error page or JSON, and logs the cause.
func (g *Gateway) fail(c *gin.Context, s *site, status int, f failure) {
	ri := info(c)
	lvl := slog.LevelInfo
	if status >= 500 {
		lvl = slog.LevelError
	} else if f.Err != nil || f.Hint != "" {
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("rid", ri.rid), slog.Int("status", status), slog.String("reason", f.Reason)}
	if s != nil {
		attrs = append(attrs, slog.String("site", s.name))
	}
	if f.Err != nil {
		attrs = append(attrs, slog.String("err", f.Err.Error()))
	}
	if f.Hint != "" {
		attrs = append(attrs, slog.String("fix", f.Hint))
	}
	g.deps.Logger.LogAttrs(c.Request.Context(), lvl, f.Heading, attrs...)
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "5")
	}
	if wantsJSON(c.Request) {
		body := map[string]any{"error": f.Reason, "message": f.Message, "requestId": ri.rid, "status": status}
		for k, v := range f.JSON {
			body[k] = v
		}
		writeJSON(c, status, body)
		c.Abort()
		return
	}
	nonce := trust.NewNonce()
	h.Set("Content-Security-Policy", pageCSP(s).Header(nonce))
	h.Set("Referrer-Policy", "no-referrer")
	hint := ""
	if g.deps.DevOrgURL != "" {
		hint = f.Hint
	}
	data := templates.ErrorData{
		Page:    g.page(c, s, nonce, f.Heading),
		Status:  status,
		Heading: f.Heading, Message: f.Message, Hint: hint,
		RetryURL: f.Retry, RetryLabel: "Try again",
		// A failed callback keeps ?code=…&state=… in the address bar otherwise.
		ScrubQuery: s != nil && c.Request.URL.Path == s.callback && c.Request.URL.RawQuery != "",
	}
	switch {
	case data.RetryURL == "":
		data.RetryURL = "/"
		data.RetryLabel = "Back to the site"
	case strings.HasPrefix(data.RetryURL, "/__lo/login"):
		data.RetryLabel = "Sign in again"
	case strings.HasPrefix(data.RetryURL, "/__lo/logout"):
		data.RetryLabel = "Open the sign-out page"
	}
	g.render(c, status, "error", data)
	c.Abort()
}

func (g *Gateway) render(c *gin.Context, status int, name string, data any) {
	secureHeaders(c)
	if err := g.deps.Templates.Render(c.Writer, status, name, data); err != nil {
		g.deps.Logger.Error("template failed", "rid", info(c).rid, "template", name, "err", err.Error())
	}
}

func (g *Gateway) page(c *gin.Context, s *site, nonce, title string) templates.Page {
	p := templates.Page{Nonce: nonce, RequestID: info(c).rid, Title: title, DevMode: g.deps.DevOrgURL != "", DevOrgURL: g.deps.DevOrgURL}
	if s != nil {
		p.SiteName = s.name
	}
	return p
}

const hstsHeader = "Strict-Transport-Security"

func secureHeaders(c *gin.Context) {
	c.Writer.Header().Set("X-Content-Type-Options", "nosniff")
}

func writeJSON(c *gin.Context, status int, v any) {
	h := c.Writer.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal"}`)
	}
	c.Writer.WriteHeader(status)
	_, _ = c.Writer.Write(append(b, '\n'))
}

// noFrame marks a page no other page may frame, not even a trusted domain's:
// the sign-out confirm page (a framing page could trick a click on its button)
// and the popup callback (it only ever runs in its own window). X-Frame-Options
// covers browsers that do not know frame-ancestors.
func noFrame(h http.Header, s *site, nonce string) {
	csp := pageCSP(s)
	csp.FrameAncestors = []string{"'none'"}
	h.Set("Content-Security-Policy", csp.Header(nonce))
	h.Set("X-Frame-Options", "DENY")
}

// pageCSP is the CSP of the gateway's own pages other than the embed page.
func pageCSP(s *site) trust.CSP {
	fa := []string{"'none'"}
	if s != nil {
		fa = strings.Fields(s.policy.FrameAncestors())
	}
	return trust.CSP{
		Default: []string{"'self'"}, Script: []string{"'self'"}, Style: []string{"'self'"},
		Img: []string{"'self'", "data:"}, Connect: []string{"'self'"}, Frame: []string{"'none'"},
		FrameAncestors: fa, Form: []string{"'self'"}, Base: []string{"'none'"}, Object: []string{"'none'"},
	}
}
