// Logs, traces and metrics as spec.observability asks (docs/skeletons.md).
//
// - logs (pino): `central` → one JSON object per line {time, level, service, message, trace_id,
//   span_id, request_id, ...}; `local` → plain text lines; `none` → warnings and errors only.
//   Authorization headers and secrets are never logged.
// - traces (OpenTelemetry): W3C trace context; spans are always created and propagated when
//   tracing is on, and exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
// - metrics (prom-client): the contract's RED, breaker, event and outbox series on /metrics.
"use strict";
const api = require("@opentelemetry/api");
const pino = require("pino");
const prom = require("prom-client");

const LOG_FIELDS = ["trace_id", "span_id", "request_id"];
const LEVELS = { warning: "warn", critical: "fatal", notset: "trace" };

function plainText(stream = process.stdout) {
  // the runtime's plain text format for `logging: local`: time LEVEL service message key=value...
  return {
    write(line) {
      let rec;
      try { rec = JSON.parse(line); } catch { return stream.write(line); }
      const { time, level, service, message, ...extra } = rec;
      const kv = Object.entries(extra).filter(([, v]) => v !== "" && v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
      stream.write(`${time} ${String(level).toUpperCase()} ${service} ${message || ""}${kv ? " " + kv : ""}\n`);
    },
  };
}

function makeLogger(spec) {
  const mode = spec.observability.logging;
  let level = (process.env.LOG_LEVEL || "INFO").toLowerCase();
  level = LEVELS[level] || level;
  if (!pino.levels.values[level]) level = "info";
  if (mode === "none" && pino.levels.values[level] < pino.levels.values.warn) level = "warn";
  const options = {
    level,
    messageKey: "message",
    base: { service: spec.service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    // every line has the three ids (empty when none); a child logger's own ids win
    mixin(_obj, _level, logger) {
      const bound = logger.bindings();
      const out = {};
      for (const key of LOG_FIELDS) if (!(key in bound)) out[key] = "";
      return out;
    },
    redact: { paths: ["authorization", "headers.authorization", "req.headers.authorization"], remove: true },
  };
  return pino(options, mode === "central" ? pino.destination({ sync: true }) : plainText());
}

function setUpTracing(spec, log) {
  if (!spec.observability.tracing) return api.trace.getTracer(spec.service);
  const { NodeTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-node");
  const { resourceFromAttributes } = require("@opentelemetry/resources");
  const { W3CTraceContextPropagator } = require("@opentelemetry/core");
  const name = process.env.OTEL_SERVICE_NAME || spec.service;
  const spanProcessors = [];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http");
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    log.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, "exporting traces over OTLP/HTTP");
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": name, "service.namespace": spec.system }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  process.once("beforeExit", () => provider.shutdown().catch(() => {}));
  return api.trace.getTracer(spec.service);
}

// Log-line ids of a span: 32 / 16 lowercase hex, empty when there is none.
function spanIds(span) {
  const sc = span && span.spanContext();
  return sc && api.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : { trace_id: "", span_id: "" };
}

function makeMetrics(spec) {
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const m = (Kind, name, help, labelNames, extra = {}) => new Kind({ name, help, labelNames, registers: [registry], ...extra });
  const metrics = {
    registry,
    serverRequests: m(prom.Counter, "http_server_requests_total", "HTTP requests served, per route template and status", ["method", "route", "status"]),
    serverDuration: m(prom.Histogram, "http_server_request_duration_seconds", "Time to serve a request, per route template", ["method", "route"]),
    clientRequests: m(prom.Counter, "http_client_requests_total", "Outgoing calls per target and outcome", ["target", "outcome"]),
    clientDuration: m(prom.Histogram, "http_client_request_duration_seconds", "Time of an outgoing call attempt, per target", ["target"]),
    breakerState: m(prom.Gauge, "circuit_breaker_state", "Circuit breaker per target: 0 closed, 1 open, 2 half-open", ["target"]),
    published: m(prom.Counter, "events_published_total", "Events published, per event and outcome", ["event", "outcome"]),
    consumed: m(prom.Counter, "events_consumed_total", "Events consumed, per event and outcome (ok, error, duplicate, dead_lettered)", ["event", "outcome"]),
    outboxPending: m(prom.Gauge, "outbox_pending", "Outbox rows not yet published, per datastore", ["store"]),
  };
  for (const call of spec.calls) metrics.breakerState.set({ target: call.to }, 0);
  return metrics;
}

module.exports = { makeLogger, setUpTracing, spanIds, makeMetrics, api };
