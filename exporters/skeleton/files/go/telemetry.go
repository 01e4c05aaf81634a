package main

// Metrics (Prometheus client_golang, served at /metrics when spec.observability.metrics) and
// tracing (the OpenTelemetry SDK with W3C trace context when spec.observability.tracing; spans
// exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, see otlp.go).

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

type Telemetry struct {
	Tracing    bool
	Metrics    bool
	tracer     trace.Tracer
	provider   *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
	registry   *prometheus.Registry

	ServerRequests  *prometheus.CounterVec
	ServerDuration  *prometheus.HistogramVec
	ClientRequests  *prometheus.CounterVec
	ClientDuration  *prometheus.HistogramVec
	BreakerState    *prometheus.GaugeVec
	EventsPublished *prometheus.CounterVec
	EventsConsumed  *prometheus.CounterVec
	OutboxPending   *prometheus.GaugeVec
	ConsumerLag     *prometheus.GaugeVec
}

func NewTelemetry(spec *Spec, log *Logger) (*Telemetry, error) {
	t := &Telemetry{
		Tracing:    spec.Observability.Tracing,
		Metrics:    spec.Observability.Metrics,
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}),
		registry:   prometheus.NewRegistry(),
	}
	t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	t.ServerRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_server_requests_total", Help: "HTTP requests served, by route template and status.",
	}, []string{"method", "route", "status"})
	t.ServerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_server_request_duration_seconds", Help: "Time to serve a request, by route template.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	t.ClientRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_client_requests_total",
		Help: "Calls to dependencies, by outcome (success, error, timeout, short_circuited, fallback).",
	}, []string{"target", "outcome"})
	t.ClientDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_client_request_duration_seconds", Help: "Time of one network attempt to a dependency.",
		Buckets: prometheus.DefBuckets,
	}, []string{"target"})
	t.BreakerState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "circuit_breaker_state", Help: "Circuit breaker per dependency: 0 closed, 1 open, 2 half-open.",
	}, []string{"target"})
	t.EventsPublished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "events_published_total", Help: "Events published (or stored in the outbox), by outcome.",
	}, []string{"event", "outcome"})
	t.EventsConsumed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "events_consumed_total", Help: "Events consumed, by outcome (ok, error, duplicate, dead_lettered).",
	}, []string{"event", "outcome"})
	t.OutboxPending = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "outbox_pending", Help: "Outbox rows not yet published.",
	}, []string{"store"})
	t.ConsumerLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "events_consumer_lag",
		Help: "Messages waiting for this consumer group (RabbitMQ: ready in its queue; Redis: the group's stream lag; NATS: not exposed).",
	}, []string{"event", "group"})
	if len(spec.Subscribes) > 0 {
		t.registry.MustRegister(t.ConsumerLag)
	}
	t.registry.MustRegister(t.ServerRequests, t.ServerDuration, t.ClientRequests, t.ClientDuration,
		t.BreakerState, t.EventsPublished, t.EventsConsumed)
	for _, p := range spec.Publishes {
		if p.OutboxStore != nil {
			t.registry.MustRegister(t.OutboxPending)
			break
		}
	}
	if !t.Tracing {
		t.tracer = trace.NewNoopTracerProvider().Tracer("")
		return t, nil
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))}
	if url := otlpTracesURL(); url != "" {
		opts = append(opts, sdktrace.WithBatcher(newOTLPExporter(url, getenv("OTEL_SERVICE_NAME", spec.Service))))
		log.Info(context.Background(), "exporting traces over OTLP/HTTP", Fields{"endpoint": url})
	}
	t.provider = sdktrace.NewTracerProvider(opts...)
	t.tracer = t.provider.Tracer("workbench-skeleton")
	return t, nil
}

// Start starts a span (a no-op one when tracing is off).
func (t *Telemetry) Start(ctx context.Context, name string, kind trace.SpanKind) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, name, trace.WithSpanKind(kind))
}

// Inject writes ctx's trace context (traceparent, tracestate) into carrier when tracing.
func (t *Telemetry) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	if t.Tracing {
		t.propagator.Inject(ctx, carrier)
	}
}

// Extract continues the trace context carried by carrier when tracing.
func (t *Telemetry) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if !t.Tracing {
		return ctx
	}
	return t.propagator.Extract(ctx, carrier)
}

func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

func (t *Telemetry) Shutdown(ctx context.Context) {
	if t.provider != nil {
		_ = t.provider.Shutdown(ctx)
	}
}
