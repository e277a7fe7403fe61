package obs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var traceparent = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-01$`)

func TestOrgCallsCarryTraceparentOfTheirOwnSpan(t *testing.T) {
	var got string
	org := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("traceparent") }))
	defer org.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := NewTracingWith(tp)
	client := &http.Client{Transport: &OrgTransport{Metrics: NewMetrics(), Tracing: tr}}

	ctx, parent := tr.tracer.Start(context.Background(), "callback")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, org.URL+"/services/oauth2/token?never=shown", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	if req.Header.Get("traceparent") != "" {
		t.Error("the caller's request was modified; the transport must send a clone")
	}
	m := traceparent.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("the org got traceparent %q, want W3C 00-<trace>-<span>-01", got)
	}
	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Name() != "org token" {
		t.Fatalf("want the span org token then callback, got %d spans", len(ended))
	}
	child := ended[0]
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || m[2] != child.SpanContext().SpanID().String() || m[1] != parent.SpanContext().TraceID().String() {
		t.Errorf("traceparent %s does not name the org span %s of trace %s", got, child.SpanContext().SpanID(), parent.SpanContext().TraceID())
	}
	for _, a := range child.Attributes() {
		if v := a.Value.String(); regexp.MustCompile(`never|\?`).MatchString(v) {
			t.Errorf("attribute %s=%q carries the URL's query", a.Key, v)
		}
	}
}

func TestTracingIsOffUnlessTheEnvironmentAsksForIt(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false},
	} {
		if got := TracingEnabled(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: want enabled=%v, got %v", tc.env, tc.want, got)
		}
	}
	tr, stop, err := NewTracing(context.Background(), func(string) string { return "" }, "v")
	if tr != nil || err != nil || stop(context.Background()) != nil {
		t.Errorf("with no OTEL_ variables: want nil tracing, got %v, %v", tr, err)
	}
	if _, _, err := NewTracing(context.Background(), func(k string) string {
		return map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}[k]
	}, "v"); err == nil {
		t.Error("OTEL_EXPORTER_OTLP_PROTOCOL=grpc: want an error saying only http/protobuf is exported")
	}
	// A nil Tracing leaves transports alone.
	var off *Tracing
	if rt := off.Transport(http.DefaultTransport, "upstream", nil); rt != http.DefaultTransport {
		t.Error("a nil Tracing must return the transport unchanged")
	}
}
