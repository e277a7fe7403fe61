package gateway

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/logateway/logateway/gateway/obs"
)

// reqInfo travels with a request through the chain.
type reqInfo struct {
	rid   string
	site  *site
	route string // fixed route name for metrics and logs; never a raw path
}

const infoKey = "logateway.req"

// reqState is one request's reqInfo and the gin Keys map that carries it.
// observe pools them: a fresh map and reqInfo per request were three of its
// allocations. gin pools its own Context the same way, so nothing may keep
// either past the request.
type reqState struct {
	ri   reqInfo
	keys map[any]any
}

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
	states := sync.Pool{New: func() any { return &reqState{keys: make(map[any]any, 1)} }}
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
		// RequestIDHeader is canonical: the keys are set as they are (Set would
		// canonicalize them again), and both headers share one value slice. Its
		// capacity is 1, so an Add to either (the upstream's own id copied
		// into the answer) allocates anew and never changes the other.
		ridv := []string{rid}
		r.Header[obs.RequestIDHeader] = ridv
		c.Writer.Header()[obs.RequestIDHeader] = ridv
		rs := states.Get().(*reqState)
		rs.ri = reqInfo{rid: rid, site: st.siteFor(r.Host)}
		ri := &rs.ri
		rs.keys[infoKey] = ri
		c.Keys = rs.keys // what c.Set would do, without its map
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
		// Not deferred: after a panic the state is simply not reused.
		c.Keys = nil
		clear(rs.keys)
		rs.ri = reqInfo{}
		states.Put(rs)
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
				g.fail(c, ri.site, internalError(nil))
			}
			c.Abort()
		}
	}()
	c.Next()
}

// needSite refuses a request for a host no site serves.
func (g *Gateway) needSite(c *gin.Context) {
	if info(c).site == nil {
		g.fail(c, nil, unknownHost())
	}
}

const hstsHeader = "Strict-Transport-Security"
