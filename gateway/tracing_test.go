package gateway_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/redistest"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver: it keeps every span
// the gateway's real exporter sends to /v1/traces.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("OTLP receiver: %s %s with %d bytes it cannot read", r.Method, r.URL.Path, len(body))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *otlpReceiver) all() []*tracepb.Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*tracepb.Span(nil), rc.spans...)
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			return anyValue(a.Value)
		}
	}
	return ""
}

func anyValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	}
	return v.String()
}

// children lists the spans whose parent is p.
func children(spans []*tracepb.Span, p *tracepb.Span) []*tracepb.Span {
	var out []*tracepb.Span
	for _, s := range spans {
		if string(s.ParentSpanId) == string(p.SpanId) && string(s.TraceId) == string(p.TraceId) {
			out = append(out, s)
		}
	}
	return out
}

func named(spans []*tracepb.Span, name string) []*tracepb.Span {
	var out []*tracepb.Span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func TestTracingSpanTreesOfASignInAndAProxiedRequest(t *testing.T) {
	rc := newOTLPReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	tracing, flush, err := obs.NewTracing(context.Background(), os.Getenv, "test")
	if err != nil || tracing == nil {
		t.Fatalf("NewTracing with OTEL_EXPORTER_OTLP_ENDPOINT set: tracing %v, err %v", tracing, err)
	}

	var upMu sync.Mutex
	var upstreamTraceparent string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upMu.Lock()
		upstreamTraceparent = r.Header.Get("traceparent")
		upMu.Unlock()
		_, _ = io.WriteString(w, "upstream page")
	}))
	defer up.Close()

	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
	store, err := session.NewRedisStore(session.RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix,
		Hooks: []session.Hook{session.CommandSpans(tracing.RedisSpan)}})
	if err != nil {
		t.Fatal(err)
	}
	env := harness.Start(t, harness.Options{Store: store, Upstream: up.URL, Tracing: tracing})

	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(env.URL)
	var cookie string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "lo_session" {
			cookie = ck.Value
		}
	}
	rec := sessionRecord(t, env, cookie)
	// A proxied request that continues the caller's trace, with a query that
	// must never reach a span.
	callerTrace := "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/docs/page?secret=hunter2", nil)
	req.Header.Set("traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proxied request: %d", resp.StatusCode)
	}
	if status, _, _ := askFrontdoor(t, c, env, http.MethodPost, env.URL); status != http.StatusOK {
		t.Fatalf("frontdoor: %d", status)
	}
	signOutVia(t, c, env.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := flush(ctx); err != nil {
		t.Fatalf("flushing spans: %v", err)
	}
	spans := rc.all()

	t.Run("the callback's span has the code exchange at the org and the session write in Redis as children", func(t *testing.T) {
		cb := named(spans, "callback")
		if len(cb) != 1 {
			t.Fatalf("want one span named callback, got %d (all: %v)", len(cb), spanNames(spans))
		}
		if k := cb[0].Kind; k != tracepb.Span_SPAN_KIND_SERVER {
			t.Errorf("callback span kind %v, want server", k)
		}
		if got := attr(cb[0], "http.route"); got != "callback" {
			t.Errorf("http.route %q, want callback", got)
		}
		kids := spanNames(children(spans, cb[0]))
		for _, want := range []string{"org token"} {
			if !strings.Contains(kids, want) {
				t.Errorf("want a child %q of the callback span, got [%s]", want, kids)
			}
		}
		if !strings.Contains(kids, "redis ") {
			t.Errorf("want a Redis child of the callback span (the new session), got [%s]", kids)
		}
	})
	t.Run("the proxied request continues the caller's trace and the upstream gets traceparent of its upstream span", func(t *testing.T) {
		var px []*tracepb.Span
		for _, s := range named(spans, "proxy") {
			if hex.EncodeToString(s.TraceId) == callerTrace {
				px = append(px, s)
			}
		}
		if len(px) != 1 {
			t.Fatalf("want one proxy span in the caller's trace %s, got %d (all: %v)", callerTrace, len(px), spanNames(spans))
		}
		if got := hex.EncodeToString(px[0].TraceId); got != callerTrace {
			t.Errorf("proxy span trace id %s, want the caller's %s", got, callerTrace)
		}
		var upSpan *tracepb.Span
		for _, k := range children(spans, px[0]) {
			if strings.HasPrefix(k.Name, "upstream ") {
				upSpan = k
			}
		}
		if upSpan == nil {
			t.Fatalf("want an upstream child of the proxy span, got [%s]", spanNames(children(spans, px[0])))
		}
		upMu.Lock()
		tp := upstreamTraceparent
		upMu.Unlock()
		want := "00-" + callerTrace + "-" + hex.EncodeToString(upSpan.SpanId) + "-01"
		if tp != want {
			t.Errorf("upstream traceparent %q, want %q", tp, want)
		}
		if kids := spanNames(children(spans, px[0])); !strings.Contains(kids, "redis ") {
			t.Errorf("want the session read in Redis under the proxy span, got [%s]", kids)
		}
	})
	t.Run("the frontdoor mint and the sign-out call the org in child spans", func(t *testing.T) {
		for route, want := range map[string]string{"/__lo/frontdoor": "org singleaccess", "/__lo/logout": "org revoke"} {
			found := false
			for _, s := range named(spans, route) {
				found = found || strings.Contains(spanNames(children(spans, s)), want)
			}
			if !found {
				t.Errorf("want a %q child under a %s span (all: %s)", want, route, spanNames(spans))
			}
		}
	})
	t.Run("no secret, query or cookie in any span name or attribute", func(t *testing.T) {
		secrets := map[string]string{
			"client secret": env.Config.Sites[0].ECA.Secret, "session cookie": cookie,
			"access token": rec.Tokens.AccessToken, "refresh token": rec.Tokens.RefreshToken,
			"query value": "hunter2", "password": harness.AlicePass,
		}
		for _, s := range spans {
			texts := []string{s.Name}
			for _, a := range s.Attributes {
				v := anyValue(a.Value)
				texts = append(texts, a.Key+"="+v)
				if strings.ContainsAny(v, "?&") || strings.Contains(v, "://") {
					t.Errorf("span %q attribute %s=%q looks like a URL or query; spans carry names, not URLs", s.Name, a.Key, v)
				}
			}
			for _, e := range s.Events {
				texts = append(texts, e.Name)
			}
			for _, text := range texts {
				for what, v := range secrets {
					if v != "" && strings.Contains(text, v) {
						t.Errorf("span %q carries the %s: %q", s.Name, what, text)
					}
				}
			}
		}
	})
}

func spanNames(spans []*tracepb.Span) string {
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
