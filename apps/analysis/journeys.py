"""The journeys an analysis follows (ANALYSIS.md): the declared ones, else the implicit ones.

A ``JourneySpec`` is what the unfolding needs: the entry, its start nodes, the gateway route
(if any) and the filter of call/route edges (``None`` = follow all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.archmodel.types import Model


@dataclass(slots=True)
class JourneySpec:
    id: str
    entry: str
    starts: list[str]  # start node ids, in order (for a gateway entry: the gateway itself)
    route: str | None = None  # gateway entry: only its first route with this path
    calls: frozenset[str] | None = None
    target: dict[str, Any] | None = None  # as written in the model
    target_availability: float | None = None
    target_latency_ms: float | None = None
    pointer: str | None = None  # /journeys/<i>; None for an implicit journey
    gateway: bool = False


def journey_specs(model: Model) -> list[JourneySpec]:
    """The declared journeys, or the implicit ones when ``journeys`` is absent or empty."""
    if model.journeys:
        return [_declared(model, j, i) for i, j in enumerate(model.journeys)]
    return implicit_journeys(model)


def _declared(model: Model, j: Any, i: int) -> JourneySpec:
    document = model.document.get("journeys") or []
    raw = document[i] if i < len(document) and isinstance(document[i], dict) else {}
    calls = frozenset(j.calls) if j.calls is not None else None
    services = model.service_map
    entry = services.get(j.entry)
    spec = JourneySpec(
        id=j.id,
        entry=j.entry,
        starts=[],
        route=j.route,
        calls=calls,
        target=raw.get("target"),
        target_availability=j.target.availability if j.target else None,
        target_latency_ms=j.target.latency_ms if j.target else None,
        pointer=j.pointer,
    )
    if entry is not None and entry.kind == "gateway":
        spec.gateway = True
        spec.starts = [j.entry]
    else:
        source = entry if entry is not None else next(a for a in model.actors if a.id == j.entry)
        spec.starts = _distinct(
            c.to for c in source.calls if calls is None or f"{j.entry}->{c.to}" in calls
        )
    return spec


def _distinct(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def implicit_journeys(model: Model) -> list[JourneySpec]:
    """Each actor's, then each frontend's, call targets; then each gateway's route paths."""
    out: dict[str, JourneySpec] = {}

    def add(spec: JourneySpec) -> None:
        out.setdefault(spec.id, spec)  # duplicates keep the first

    for a in model.actors:
        for t in _distinct(c.to for c in a.calls):
            add(JourneySpec(f"implicit:{a.id}->{t}", a.id, [t]))
    for s in model.services:
        if s.kind == "frontend":
            for t in _distinct(c.to for c in s.calls):
                add(JourneySpec(f"implicit:{s.id}->{t}", s.id, [t]))
    for s in model.services:
        if s.kind == "gateway":
            for path in _distinct(r.path for r in s.routes):
                add(JourneySpec(f"implicit:{s.id}{path}", s.id, [s.id], route=path, gateway=True))
    return list(out.values())
