package main

// An OTLP/HTTP span exporter for the OpenTelemetry SDK, on the standard library.
//
// Why not go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp: the skeleton is
// built and tested against the Go libraries Debian packages (OpenTelemetry 1.1.0 without its
// OTLP exporters, which need the generated OTLP protobuf module). OTLP/HTTP has a JSON
// encoding that every collector's OTLP receiver accepts on the same port and path
// (`POST <endpoint>/v1/traces`, `Content-Type: application/json`), so this file sends that.
// Swap it for otlptracehttp.New(ctx) if you prefer protobuf; nothing else changes.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type otlpExporter struct {
	url     string
	service string
	client  *http.Client
}

// otlpTracesURL is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else
// OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else "" (no export).
func otlpTracesURL() string {
	if u := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")); u != "" {
		return u
	}
	if u := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")); u != "" {
		return strings.TrimRight(u, "/") + "/v1/traces"
	}
	return ""
}

func newOTLPExporter(url, service string) *otlpExporter {
	return &otlpExporter{url: url, service: service, client: &http.Client{Timeout: 10 * time.Second}}
}

type otlpValue map[string]any

type otlpKV struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

func otlpAttributes(attrs []attribute.KeyValue) []otlpKV {
	out := make([]otlpKV, 0, len(attrs))
	for _, a := range attrs {
		var v otlpValue
		switch a.Value.Type() {
		case attribute.BOOL:
			v = otlpValue{"boolValue": a.Value.AsBool()}
		case attribute.INT64:
			v = otlpValue{"intValue": strconv.FormatInt(a.Value.AsInt64(), 10)}
		case attribute.FLOAT64:
			v = otlpValue{"doubleValue": a.Value.AsFloat64()}
		default:
			v = otlpValue{"stringValue": a.Value.Emit()}
		}
		out = append(out, otlpKV{Key: string(a.Key), Value: v})
	}
	return out
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// ExportSpans sends one batch as an ExportTraceServiceRequest (OTLP JSON encoding: ids in hex).
func (e *otlpExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(spans))
	for _, s := range spans {
		span := map[string]any{
			"traceId":           s.SpanContext().TraceID().String(),
			"spanId":            s.SpanContext().SpanID().String(),
			"name":              s.Name(),
			"kind":              int(s.SpanKind()), // the SDK's numbering is OTLP's
			"startTimeUnixNano": nanos(s.StartTime()),
			"endTimeUnixNano":   nanos(s.EndTime()),
			"attributes":        otlpAttributes(s.Attributes()),
		}
		if s.Parent().IsValid() {
			span["parentSpanId"] = s.Parent().SpanID().String()
		}
		if ts := s.SpanContext().TraceState().String(); ts != "" {
			span["traceState"] = ts
		}
		status := map[string]any{"code": 0}
		switch s.Status().Code {
		case codes.Ok:
			status["code"] = 1
		case codes.Error:
			status = map[string]any{"code": 2, "message": s.Status().Description}
		}
		span["status"] = status
		out = append(out, span)
	}
	body := map[string]any{"resourceSpans": []any{map[string]any{
		"resource": map[string]any{"attributes": []otlpKV{
			{Key: "service.name", Value: otlpValue{"stringValue": e.service}},
			{Key: "telemetry.sdk.language", Value: otlpValue{"stringValue": "go"}},
		}},
		"scopeSpans": []any{map[string]any{
			"scope": map[string]any{"name": "workbench-skeleton"},
			"spans": out,
		}},
	}}}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("OTLP export to %s: HTTP %d", e.url, resp.StatusCode)
	}
	return nil
}

func (e *otlpExporter) Shutdown(ctx context.Context) error { return nil }
