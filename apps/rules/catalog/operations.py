"""Operations rules: containers, logging and telemetry."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="multiple-services-per-container",
    category="operations",
    severity="warning",
    title="Multiple services per container",
    summary="Two or more services with the same effective deploy.container.",
    fix="One service per container.",
)
def multiple_services_per_container(ctx: Context) -> Iterator[Hit]:
    by_container: dict[str, list] = {}
    for s in ctx.model.services:
        by_container.setdefault(s.deploy.container, []).append(s)
    for container, services in by_container.items():
        if len(services) >= 2:
            first = services[0]
            ids = [s.id for s in services]
            yield Hit(
                first.id,
                ids,
                f"{len(ids)} services share container {container}: {', '.join(ids)}",
                first.pointer,
            )


@rule(
    id="local-logging",
    category="operations",
    severity="info",
    title="Local logging",
    summary="An internal service with logging: local.",
    fix="Central log aggregation with correlation ids.",
)
def local_logging(ctx: Context) -> Iterator[Hit]:
    for s in ctx.internal:
        if s.observability.logging == "local":
            yield Hit(s.id, [s.id], f"{s.id} logs locally only", s.pointer)


@rule(
    id="missing-telemetry",
    category="operations",
    severity="info",
    title="Missing telemetry",
    summary="An internal service whose logging is absent or none, or without metrics: true, or "
    "without tracing: true.",
    fix="Metrics, traces (OpenTelemetry), central logs.",
)
def missing_telemetry(ctx: Context) -> Iterator[Hit]:
    for s in ctx.internal:
        o = s.observability
        missing = []
        if o.logging in (None, "none"):
            missing.append("logging")
        if o.metrics is not True:
            missing.append("metrics")
        if o.tracing is not True:
            missing.append("tracing")
        if missing:
            yield Hit(s.id, [s.id], f"{s.id} has no {', '.join(missing)}", s.pointer)
