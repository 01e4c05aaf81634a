"""The per-service ``spec.json`` the skeletons read: the model, as that one service sees it.

The skeleton code is the same for every service of a runtime; only this data differs. Keeping
the model's values out of generated source code means a hostile title or path can never turn
into code.
"""

from __future__ import annotations

import json
from typing import Any

from apps.archmodel.types import Call, Service
from exporters.common import safe
from exporters.common.infra import Plan
from exporters.common.safe import env_key

DEFAULT_LIVENESS = "/healthz"
DEFAULT_READINESS = "/readyz"
SQL_KINDS = ("postgres", "mysql", "mariadb")
# A consumer hands a message to the dead-letter channel after this many failed deliveries
# (the model has no key for it; ``DEAD_LETTER_AFTER`` in the environment overrides it).
DEAD_LETTER_AFTER = 5


def health_paths(svc: Service) -> tuple[str, str]:
    """(liveness, readiness) probe paths: the modelled ones, else the skeleton's defaults.

    The skeleton serves both always. When the model puts both at one path (``health: true``),
    readiness moves to ``/readyz``: a probe that only says "the process answers" must not gate
    traffic or ``depends_on``.
    """
    liveness = (svc.health.liveness if svc.health else None) or DEFAULT_LIVENESS
    readiness = (svc.health.readiness if svc.health else None) or DEFAULT_READINESS
    if readiness == liveness:
        readiness = DEFAULT_READINESS if liveness != DEFAULT_READINESS else "/ready"
    return liveness, readiness


def operations(svc: Service, problems: list[str]) -> list[dict[str, Any]]:
    """HTTP endpoints for every modelled operation.

    REST operations keep their method and path. gRPC and GraphQL operations are served as
    HTTP/JSON stand-ins (``POST /rpc/<api>/<Name>``, ``POST /graphql``): the model holds no
    .proto or GraphQL schema to generate real servers from.
    """
    ops: list[dict[str, Any]] = []
    for api in svc.apis:
        for i, op in enumerate(api.operations):
            where = f"{api.pointer}/operations/{i}"
            if api.style == "rest" and op.method and op.path:
                if safe.check(
                    safe.HTTP_METHOD, op.method.upper(), where, problems, "method"
                ) and safe.check(safe.OPERATION_PATH, op.path, where, problems, "path"):
                    ops.append(
                        {
                            "api": api.id,
                            "key": op.key,
                            "method": op.method.upper(),
                            "path": op.path,
                            "idempotent": op.idempotent,
                            "auth": api.auth,
                        }
                    )
            elif api.style == "graphql":
                ops.append(
                    {
                        "api": api.id,
                        "key": op.key,
                        "method": "POST",
                        "path": "/graphql",
                        "idempotent": op.idempotent,
                        "auth": api.auth,
                    }
                )
            elif op.name and safe.check(safe.OPERATION_NAME, op.name, where, problems, "name"):
                ops.append(
                    {
                        "api": api.id,
                        "key": op.key,
                        "method": "POST",
                        "path": f"/rpc/{api.id}/{op.name}",
                        "idempotent": op.idempotent,
                        "auth": api.auth,
                    }
                )
    return ops


def call_idempotent(plan: Plan, call: Call) -> bool | None:
    """The ``idempotent`` flag of the operation a call names, or None (then: by HTTP method)."""
    if not call.operation:
        return None
    for api in plan.service(call.to).apis:
        if call.api and api.id != call.api:
            continue
        op = api.operation(call.operation)
        if op is not None:
            return op.idempotent
    return None


def events_store(plan: Plan, svc: Service) -> str | None:
    """The SQL datastore holding the service's outbox and processed-message tables: the first
    one it may write, owned ones first; None when it writes none."""
    kinds = {d.id: d.kind for d in plan.model.datastores}
    owners = {d.id: d.owner for d in plan.model.datastores}
    stores = plan.datastores_of(svc)
    writable = [
        d.store
        for d in svc.data
        if d.store in stores and kinds.get(d.store) in SQL_KINDS and d.access != "read"
    ]
    owned = [d for d in writable if owners[d] == svc.id]
    return next(iter(owned or writable), None)


def service_spec(plan: Plan, svc: Service, problems: list[str]) -> dict[str, Any]:
    model = plan.model
    events = {e.id: e for e in model.events}
    liveness, readiness = health_paths(svc)
    for what, path in (("liveness", liveness), ("readiness", readiness)):
        safe.check(safe.HEALTH_PATH, path, f"{svc.pointer}/health", problems, what)
    route_prefixes = sorted(
        {
            r.path.rstrip("/")
            for g in plan.services
            for r in g.routes
            if r.to == svc.id and not r.strip_prefix and r.path.rstrip("/")
        }
    )
    exported = {s.id for s in plan.services}
    calls = []
    for call in svc.calls:
        calls.append(
            {
                "to": call.to,
                "env": env_key("SERVICE", call.to, "URL"),
                "external": call.to not in exported,
                "operation": call.operation,
                "idempotent": call_idempotent(plan, call),
                "protocol": call.protocol,
                "auth": call.auth,
                "fallback": call.fallback,
                "timeout_ms": call.timeout_ms,
                "retries": {
                    "max": call.retries.max,
                    "backoff_ms": call.retries.backoff_ms,
                    "jitter": call.retries.jitter,
                },
                "circuit_breaker": None
                if call.circuit_breaker is None
                else {
                    "failure_threshold": call.circuit_breaker.failure_threshold,
                    "reset_timeout_ms": call.circuit_breaker.reset_timeout_ms,
                },
            }
        )
    kinds = {d.id: d.kind for d in model.datastores} | {b.id: b.kind for b in model.brokers}
    outbox_store = events_store(plan, svc)
    obs = svc.observability
    return {
        "generated_by": "architecture-workbench",
        "system": model.name,
        "service": svc.id,
        "kind": svc.kind,
        "runtime": svc.runtime,
        "port": svc.port,
        "health": {"liveness": liveness, "readiness": readiness},
        "observability": {
            "logging": obs.logging or "local",
            "metrics": bool(obs.metrics),
            "tracing": bool(obs.tracing),
        },
        "events": {"source": f"urn:workbench:{svc.id}", "dead_letter_after": DEAD_LETTER_AFTER},
        # the SQL datastore of the outbox and processed-message tables (its migrations)
        "events_store": outbox_store,
        "operations": operations(svc, problems),
        "route_prefixes": route_prefixes,
        "calls": calls,
        "datastores": [
            {
                "id": d,
                "kind": kinds[d],
                "env": env_key("DATASTORE", d, "URL"),
                "access": next(a.access for a in svc.data if a.store == d),
            }
            for d in plan.datastores_of(svc)
        ],
        "brokers": [
            {"id": b, "kind": kinds[b], "env": env_key("BROKER", b, "URL")}
            for b in plan.brokers_of(svc)
        ],
        "publishes": [
            {
                "event": p.event,
                "broker": events[p.event].broker,
                "channel": events[p.event].channel,
                "outbox": p.outbox,
                "outbox_store": outbox_store if p.outbox else None,
            }
            for p in svc.publishes
            if p.event in events
        ],
        "subscribes": [
            {
                "event": s.event,
                "broker": events[s.event].broker,
                "channel": events[s.event].channel,
                "group": s.group or svc.id,
                "idempotent": s.idempotent,
                # the processed-message table's store (the outbox's rule); none: in memory
                "processed_store": outbox_store if s.idempotent else None,
                "dead_letter": f"{events[s.event].channel}.dead-letter",
            }
            for s in svc.subscribes
            if s.event in events
        ],
    }


def dump_spec(spec: dict[str, Any]) -> bytes:
    return (json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()


def routes_txt(spec: dict[str, Any]) -> bytes:
    """``METHOD path`` lines for the stdlib skeletons (paths already validated: no whitespace)."""
    lines = ["# METHOD path -- generated from the model; one modelled operation per line"]
    for op in spec["operations"]:
        lines.append(f"{op['method']} {op['path']}")
        lines.extend(f"{op['method']} {prefix}{op['path']}" for prefix in spec["route_prefixes"])
    for path in sorted(set(spec["health"].values())):
        lines.append(f"HEALTH {path}")
    return ("\n".join(lines) + "\n").encode()
