"""Logs, metrics and traces as ``spec.observability`` asks (docs/skeletons.md in the workbench).

- logging ``central``: one JSON object per line on stdout (``time``, ``level``, ``service``,
  ``message``, ``trace_id``, ``span_id``, ``request_id`` and any ``extra``), uvicorn's own
  loggers and its access log included; ``local``: plain text; ``none``: warnings and errors.
- metrics: Prometheus client objects, served at ``/metrics`` (``metrics_response``).
- tracing: the OpenTelemetry SDK with W3C trace context; spans are exported over OTLP/HTTP when
  ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, else only created and propagated.

prometheus-client and OpenTelemetry are imported by ``setup()`` only, so the resilience helper
(which records through here) stays importable on its own; until ``setup()`` every recorder is a
no-op.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The request id of the request being served (or of the event being handled), for logs and calls.
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_OK = re.compile(r"[\x20-\x7e]{1,128}")
BREAKER_STATES = {"closed": 0, "open": 1, "half-open": 2}
# LogRecord attributes that are not "extra" fields
_RECORD_KEYS = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}

SERVICE = {"name": "service"}
metrics: Any = None  # the Metrics below once metrics are on
tracer: Any = None  # an OpenTelemetry tracer once tracing is on
_propagate: Any = None  # opentelemetry.propagate once tracing is on


def request_id_from(header: str | None) -> str:
    """The client's request id when it is usable (at most 128 printable characters), else new."""
    if header and REQUEST_ID_OK.fullmatch(header):
        return header
    return str(uuid.uuid4())


def current_ids() -> tuple[str, str]:
    """(trace id, span id) of the current span as lowercase hex, or empty strings."""
    if tracer is None:
        return "", ""
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        trace_id, span_id = current_ids()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": SERVICE["name"],
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": trace_id,
            "span_id": span_id,
            "request_id": REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_KEYS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def setup_logging(mode: str, level: str = "INFO") -> None:
    """Root logger to stdout; uvicorn's loggers hand their records to it (``log_config=None``)."""
    handler = logging.StreamHandler(sys.stdout)
    if mode == "central":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel("WARNING" if mode == "none" else level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    logging.captureWarnings(True)  # warnings go through the same handler, as JSON too


class Metrics:
    """The contract's metric families (Prometheus client, default registry)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.server_requests = Counter(
            "http_server_requests_total", "HTTP requests served", ["method", "route", "status"]
        )
        self.server_duration = Histogram(
            "http_server_request_duration_seconds", "HTTP request duration", ["method", "route"]
        )
        self.client_requests = Counter(
            "http_client_requests_total",
            "Outgoing calls: one per network attempt (success, error, timeout), per call refused"
            " by an open circuit (short_circuited) and per call answered by its fallback",
            ["target", "outcome"],
        )
        self.client_duration = Histogram(
            "http_client_request_duration_seconds", "Outgoing call attempt duration", ["target"]
        )
        self.breaker_state = Gauge(
            "circuit_breaker_state", "0 closed, 1 open, 2 half-open", ["target"]
        )
        self.published = Counter("events_published_total", "Events published", ["event", "outcome"])
        self.consumed = Counter("events_consumed_total", "Events consumed", ["event", "outcome"])
        self.outbox_pending = Gauge("outbox_pending", "Outbox rows not sent yet", ["store"])


def setup_tracing(service: str) -> None:
    global tracer, _propagate
    from opentelemetry import propagate, trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)})
    )
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("workbench-skeleton")
    _propagate = propagate


def setup(spec: dict[str, Any]) -> None:
    global metrics
    obs = spec["observability"]
    SERVICE["name"] = spec["service"]
    setup_logging(obs["logging"], os.environ.get("LOG_LEVEL", "INFO"))
    if obs["metrics"] and metrics is None:
        metrics = Metrics()
    if obs["tracing"] and tracer is None:
        setup_tracing(spec["service"])


def shutdown() -> None:
    if tracer is not None:
        from opentelemetry import trace

        provider = trace.get_tracer_provider()
        if hasattr(provider, "shutdown"):
            provider.shutdown()


# --- tracing helpers: no-ops while tracing is off ---


@contextmanager
def span(name: str, kind: str = "INTERNAL", parent: Any = None, **attributes: Any) -> Iterator[Any]:
    """A span of ``kind`` (SERVER, CLIENT, PRODUCER, CONSUMER, INTERNAL), current inside."""
    if tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind, Status, StatusCode

    with tracer.start_as_current_span(
        name, context=parent, kind=getattr(SpanKind, kind), attributes=attributes
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise


def extract(carrier: dict[str, str]) -> Any:
    """The trace context a carrier (HTTP headers, an event envelope) holds, or None."""
    return None if _propagate is None else _propagate.extract(carrier)


def inject(carrier: MutableMapping[str, str]) -> None:
    """Puts the current ``traceparent`` (and ``tracestate``) into the carrier."""
    if _propagate is not None:
        _propagate.inject(carrier)


# --- metric recorders: no-ops while metrics are off ---


def record_server(method: str, route: str, status: int, seconds: float) -> None:
    if metrics is not None:
        metrics.server_requests.labels(method, route, str(status)).inc()
        metrics.server_duration.labels(method, route).observe(seconds)


def record_client(target: str, outcome: str, seconds: float | None = None) -> None:
    if metrics is not None:
        metrics.client_requests.labels(target, outcome).inc()
        if seconds is not None:
            metrics.client_duration.labels(target).observe(seconds)


def watch_breaker(target: str, state: Any) -> None:
    """``state()`` gives the breaker's state name, read at every scrape."""
    if metrics is not None:
        metrics.breaker_state.labels(target).set_function(lambda: BREAKER_STATES[state()])


def record_published(event: str, outcome: str) -> None:
    if metrics is not None:
        metrics.published.labels(event, outcome).inc()


def record_consumed(event: str, outcome: str) -> None:
    if metrics is not None:
        metrics.consumed.labels(event, outcome).inc()


def set_outbox_pending(store: str, count: int) -> None:
    if metrics is not None:
        metrics.outbox_pending.labels(store).set(count)


def metrics_response() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(), CONTENT_TYPE_LATEST


class RequestContext:
    """ASGI middleware: the request id (kept from the client or made), a server span continuing
    an incoming ``traceparent``, RED metrics per route template, ``X-Request-ID`` on the answer.
    Plain ASGI (not BaseHTTPMiddleware) so the context it sets is the one the app, uvicorn's
    access log and the outgoing calls run in."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid = request_id_from(headers.get("x-request-id"))
        token = REQUEST_ID.set(rid)
        method = scope["method"]
        status, route = 500, "unmatched"
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *[
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != b"x-request-id"
                    ],
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            with span(
                f"{method} {scope['path']}", "SERVER", extract(headers), **{"http.method": method}
            ) as current:
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    route = getattr(scope.get("route"), "path", None) or "unmatched"
                    if current is not None:
                        current.update_name(f"{method} {route}")
                        current.set_attribute("http.route", route)
                        current.set_attribute("http.status_code", status)
        finally:
            record_server(method, route, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)
