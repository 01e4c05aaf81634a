package main

// Logs as spec.observability.logging asks: "central" → one JSON object per line on stdout
// ({"time", "level", "service", "message", "trace_id", "span_id", "request_id", ...extra});
// "local" → plain text lines; "none" → warnings and errors only. Secrets and Authorization
// headers are never passed to the logger.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

type Fields map[string]any

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID is the request id travelling with ctx ("" when none).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

var levels = map[string]int{"debug": 10, "info": 20, "warning": 30, "error": 40}

type Logger struct {
	service string
	mode    string
	min     int
	mu      sync.Mutex
	out     io.Writer
}

func NewLogger(service, mode, level string) *Logger {
	min, ok := levels[strings.ToLower(level)]
	if !ok {
		min = levels["info"]
	}
	if strings.ToLower(level) == "warn" {
		min = levels["warning"]
	}
	if mode == "none" && min < levels["warning"] {
		min = levels["warning"]
	}
	return &Logger{service: service, mode: mode, min: min, out: os.Stdout}
}

func (l *Logger) Debug(ctx context.Context, msg string, f Fields) { l.log(ctx, "debug", msg, f) }
func (l *Logger) Info(ctx context.Context, msg string, f Fields)  { l.log(ctx, "info", msg, f) }
func (l *Logger) Warn(ctx context.Context, msg string, f Fields)  { l.log(ctx, "warning", msg, f) }
func (l *Logger) Error(ctx context.Context, msg string, f Fields) { l.log(ctx, "error", msg, f) }

func (l *Logger) log(ctx context.Context, level, msg string, f Fields) {
	if levels[level] < l.min {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	traceID, spanID := "", ""
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		traceID, spanID = sc.TraceID().String(), sc.SpanID().String()
	}
	now := time.Now().UTC()
	var line []byte
	if l.mode == "central" {
		record := make(map[string]any, len(f)+7)
		for k, v := range f {
			if err, ok := v.(error); ok {
				v = err.Error()
			}
			record[k] = v
		}
		record["time"] = now.Format(time.RFC3339Nano)
		record["level"] = level
		record["service"] = l.service
		record["message"] = msg
		record["trace_id"] = traceID
		record["span_id"] = spanID
		record["request_id"] = RequestID(ctx)
		data, err := json.Marshal(record)
		if err != nil {
			data, _ = json.Marshal(map[string]any{"time": record["time"], "level": level,
				"service": l.service, "message": msg, "trace_id": traceID, "span_id": spanID,
				"request_id": RequestID(ctx), "log_error": err.Error()})
		}
		line = append(data, '\n')
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s %s", now.Format(time.RFC3339), strings.ToUpper(level), l.service, msg)
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, f[k])
		}
		if id := RequestID(ctx); id != "" {
			fmt.Fprintf(&b, " request_id=%s", id)
		}
		if traceID != "" {
			fmt.Fprintf(&b, " trace_id=%s", traceID)
		}
		line = []byte(b.String() + "\n")
	}
	l.mu.Lock()
	_, _ = l.out.Write(line)
	l.mu.Unlock()
}
