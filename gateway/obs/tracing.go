package obs

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing is OpenTelemetry tracing for the gateway; a nil *Tracing is off and
// every method on it does nothing, so the hot path pays one nil check.
//
// Span attributes are chosen by the code: route names, endpoint names, status
// codes, host names. Never a URL with its query, a header, a cookie, a token or
// a Redis key or value.
type Tracing struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// TracingEnabled says whether the standard OTEL_* variables ask for traces:
// OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint with no exporter named.
// OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off.
func TracingEnabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch e := strings.ToLower(getenv("OTEL_TRACES_EXPORTER")); e {
	case "otlp":
		return true
	case "":
		return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	}
	return false
}

// NewTracing starts an OTLP/HTTP exporter configured by the standard OTEL_*
// environment variables (endpoint, headers, timeout, sampler through
// OTEL_TRACES_SAMPLER, service name through OTEL_SERVICE_NAME, default
// "logateway") and returns the tracing and its shutdown, which flushes. It
// returns nil and a no-op shutdown when TracingEnabled is false.
func NewTracing(ctx context.Context, getenv func(string) string, version string) (*Tracing, func(context.Context) error, error) {
	noop := func(context.Context) error { return nil }
	if !TracingEnabled(getenv) {
		return nil, noop, nil
	}
	if p := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p == "" {
		if p = getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
			return nil, noop, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: logateway exports traces over http/protobuf only (point it at the collector's OTLP/HTTP port, usually 4318)", p)
		}
	} else if p != "http/protobuf" {
		return nil, noop, fmt.Errorf("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=%s: logateway exports traces over http/protobuf only", p)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, noop, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceVersion(version)))
	if err != nil {
		res = resource.Default()
	}
	if getenv("OTEL_SERVICE_NAME") == "" && !strings.Contains(getenv("OTEL_RESOURCE_ATTRIBUTES"), "service.name=") {
		res, _ = resource.Merge(res, resource.NewSchemaless(semconv.ServiceName("logateway")))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return NewTracingWith(tp), tp.Shutdown, nil
}

// NewTracingWith uses a tracer provider built elsewhere (tests).
func NewTracingWith(tp trace.TracerProvider) *Tracing {
	return &Tracing{
		tracer: tp.Tracer("github.com/logateway/logateway"),
		prop:   propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
}

// ServerSpan starts the span of one request, continuing a W3C traceparent the
// caller sent. The caller names it (SetName) once the route is known.
func (t *Tracing) ServerSpan(r *http.Request) (*http.Request, trace.Span) {
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, "request", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method)))
	return r.WithContext(ctx), span
}

// EndServerSpan names the span for its route and records the status.
func EndServerSpan(span trace.Span, route, site string, status int) {
	span.SetName(route)
	span.SetAttributes(semconv.HTTPRoute(route), semconv.HTTPResponseStatusCode(status), attribute.String("logateway.site", site))
	if status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// Transport wraps next so each call is a client span named "<kind> <name(r)>"
// (name must return a fixed, secret-free string) and carries traceparent.
func (t *Tracing) Transport(next http.RoundTripper, kind string, name func(*http.Request) string) http.RoundTripper {
	if t == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &tracedTransport{t: t, next: next, kind: kind, name: name}
}

type tracedTransport struct {
	t    *Tracing
	next http.RoundTripper
	kind string
	name func(*http.Request) string
}

func (tt *tracedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := tt.name(r)
	ctx, span := tt.t.tracer.Start(r.Context(), tt.kind+" "+n, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.ServerAddress(r.URL.Hostname()),
			attribute.String("logateway."+tt.kind+".endpoint", n)))
	defer span.End()
	r = r.Clone(ctx)
	tt.t.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	resp, err := tt.next.RoundTrip(r)
	if err != nil {
		span.SetStatus(codes.Error, "no answer")
		return nil, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, "")
	}
	return resp, nil
}

// CloseIdleConnections passes through.
func (tt *tracedTransport) CloseIdleConnections() {
	if c, ok := tt.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Span starts an internal child span of ctx (Redis commands); a nil Tracing
// returns ctx and a span that does nothing.
func (t *Tracing) Span(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if t == nil {
		return ctx, trace.SpanFromContext(context.Background())
	}
	return t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// RedisSpan records the span of one Redis command of the session store, from
// start until now (the store reports a command once its answer came, so a read
// answered by the client-side cache makes no span); it fits
// session.CommandSpans.
func (t *Tracing) RedisSpan(ctx context.Context, command string, start time.Time, failed bool) {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return // no request around it (probes): no orphan traces
	}
	_, span := t.tracer.Start(ctx, "redis "+command, trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start),
		trace.WithAttributes(attribute.String("db.system", "redis"), attribute.String("db.operation.name", command)))
	if failed {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}
