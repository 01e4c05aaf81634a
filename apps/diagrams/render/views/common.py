"""What the views share: their titles, thresholds, and the helpers that draw services, actors,
domain clusters and call labels."""

from __future__ import annotations

from apps.archmodel.types import Call, Model, Service

from ..graph import Cluster, Diagram, Node
from ..style import MARK_BREAKER, MARK_RETRIES, MARK_TIMEOUT

VIEWS: dict[str, str] = {
    "context": "System context",
    "dependencies": "Service dependencies",
    "events": "Events",
    "data": "Data ownership",
    "teams": "Teams",
}

COLLAPSED = "_internal"
TEAMS_COMPACT_ABOVE = 60  # services; above this the teams view leaves datastores out
TEAMS_SUMMARY_ABOVE = (
    100  # services; above this (unfiltered) the teams view draws one node per team
)


# --- shared helpers ----------------------------------------------------------------------------
def _duration(ms: int) -> str:
    if ms >= 1000 and ms % 100 == 0:
        return f"{ms / 1000:g}s"
    return f"{ms}ms"


def call_marks(call: Call, *, symbols: bool = True) -> str:
    """The resilience marks of a call: timeout, retries, circuit breaker."""
    parts: list[str] = []
    if call.timeout_ms is not None:
        t = _duration(call.timeout_ms)
        parts.append(f"{MARK_TIMEOUT}{t}" if symbols else f"timeout {t}")
    if call.retries.max > 0:
        parts.append(
            f"{MARK_RETRIES}{call.retries.max}" if symbols else f"retries {call.retries.max}"
        )
    if call.circuit_breaker is not None:
        parts.append(MARK_BREAKER if symbols else "breaker")
    return " ".join(parts)


def call_label(calls: list[Call], *, symbols: bool = True) -> str:
    """One label for the calls of one edge: `grpc ◷1.5s ↻2 ⚡` (distinct lines when they differ)."""
    lines: list[str] = []
    for call in calls:
        text = " ".join(p for p in (call.protocol, call_marks(call, symbols=symbols)) if p)
        if text not in lines:
            lines.append(text)
    if len(lines) > 2:
        lines = [*lines[:2], f"+{len(lines) - 2} more"]
    return "\n".join(lines)


def _service_detail(s: Service) -> str:
    parts = [s.id] if s.title and s.title != s.id else []
    if s.kind == "external":
        parts.append("external")
    elif s.kind in ("service", "worker", "gateway"):
        parts.append(s.runtime)
    else:
        parts.append(s.kind)
    return " · ".join(parts)


def service_node(s: Service, cluster: str | None = None) -> Node:
    return Node(
        id=s.id,
        label=s.label,
        kind=s.kind if s.kind in ("gateway", "frontend", "worker", "external") else "service",
        members=(s.id, *(a.id for a in s.apis)),
        cluster=cluster,
        detail=_service_detail(s),
    )


def _group_calls(pairs: list[tuple[str, str, Call]]) -> dict[tuple[str, str], list[Call]]:
    grouped: dict[tuple[str, str], list[Call]] = {}
    for src, dst, call in pairs:
        grouped.setdefault((src, dst), []).append(call)
    return grouped


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"


def _route_label(paths: list[str]) -> str:
    shown = paths[:2]
    return "\n".join(shown + ([f"+{len(paths) - 2} routes"] if len(paths) > 2 else []))


def _domain_clusters(model: Model, d: Diagram) -> dict[str, str]:
    """Add a cluster per domain; return domain id -> cluster id."""
    ids: dict[str, str] = {}
    for dom in model.domains:
        cid = f"domain:{dom.id}"
        d.add_cluster(Cluster(id=cid, label=dom.label, kind="domain", members=(dom.id,)))
        ids[dom.id] = cid
    return ids


def _externals_cluster(model: Model, d: Diagram) -> str | None:
    if not any(s.kind == "external" for s in model.services):
        return None
    return d.add_cluster(Cluster(id="_external", label="External systems", kind="none")).id


def _actor_node(actor_id: str, label: str, kind: str) -> Node:
    return Node(
        id=actor_id,
        label=label,
        kind="person" if kind == "person" else "system",
        detail="person" if kind == "person" else "external client",
    )
