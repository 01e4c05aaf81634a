"""Journeys (ANALYSIS.md): an entry that is an actor, a frontend or a gateway, an optional
gateway ``route``, ``calls`` items that name real call or route edges, and at least one start
node; and the effective ``slo`` of services, datastores and brokers."""

from __future__ import annotations

import re
from typing import Any

from .. import types as M
from ..validate import did_you_mean
from .values import _dict, _list

EDGE_RE = re.compile(r"^([a-z][a-z0-9-]{0,62})->([a-z][a-z0-9-]{0,62})$")
BUILT_IN_SLO = {"service": (99.9, 20), "datastore": (99.95, 5), "broker": (99.95, 5)}


def effective_slo(own: Any, defaults: dict[str, Any], kind: str) -> M.Slo:
    """Per key: the element's, else ``defaults.<kind>.slo``, else the built-in value."""
    own_slo = _dict(own)
    def_slo = _dict(_dict(defaults.get(kind)).get("slo"))
    availability, latency = BUILT_IN_SLO[kind]
    return M.Slo(
        own_slo.get("availability", def_slo.get("availability", availability)),
        own_slo.get("latency_ms", def_slo.get("latency_ms", latency)),
    )


def build_journeys(builder: Any, model: M.Model) -> list[M.Journey]:
    """The declared journeys; every problem is reported through ``builder.error``."""
    services = {s.id: s for s in model.services}
    actors = {a.id: a for a in model.actors}
    # Whether a journey's edges exist depends on every call and route being valid: with
    # reference errors elsewhere, those are reported, not their echo on each journey.
    settled = not builder.errors
    out: list[M.Journey] = []
    for i, d in enumerate(_list(builder.doc.get("journeys"))):
        if not isinstance(d, dict) or not isinstance(d.get("id"), str):
            continue
        pointer = f"/journeys/{i}"
        target = _dict(d.get("target")) if "target" in d else None
        journey = M.Journey(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            entry=d.get("entry", ""),
            route=d.get("route"),
            calls=list(_list(d.get("calls"))) if "calls" in d else None,
            target=M.JourneyTarget(target.get("availability"), target.get("latency_ms"))
            if target is not None
            else None,
        )
        out.append(journey)
        _check(builder, journey, services, actors, settled)
    return out


def _check(
    builder: Any,
    j: M.Journey,
    services: dict[str, M.Service],
    actors: dict[str, M.Actor],
    settled: bool,
) -> None:
    ptr = j.pointer
    entry = j.entry
    kind = builder.kinds.get(entry)
    service = services.get(entry)
    if kind is None:
        candidates = [a for a in actors] + [
            s.id for s in services.values() if s.kind in ("frontend", "gateway")
        ]
        builder.error(
            ptr + "/entry",
            f"unknown entry '{entry}'{did_you_mean(entry, candidates)}",
            "dangling-reference",
        )
        return
    if not (kind == "actor" or (service is not None and service.kind in ("frontend", "gateway"))):
        what = f"a {service.kind} service" if service is not None else f"a {kind}"
        builder.error(
            ptr + "/entry",
            f"'{entry}' is {what}; a journey's entry is an actor, a frontend or a gateway",
            "dangling-reference",
        )
        return
    gateway = service if service is not None and service.kind == "gateway" else None
    if j.route is not None:
        if gateway is None:
            builder.error(
                ptr + "/route",
                f"'route' needs a gateway entry; '{entry}' is not a gateway",
                "value",
            )
        elif not any(r.path == j.route for r in gateway.routes):
            paths = [r.path for r in gateway.routes]
            builder.error(
                ptr + "/route",
                f"gateway '{entry}' has no route with path '{j.route}'{did_you_mean(j.route, paths)}",
                "dangling-reference",
            )
    listed: set[str] = set()
    for k, item in enumerate(j.calls or []):
        iptr = f"{ptr}/calls/{k}"
        m = EDGE_RE.match(item) if isinstance(item, str) else None
        if m is None:
            builder.error(iptr, f"'{item}' is not an edge 'a->b' (e.g. 'gw->orders')", "value")
            continue
        a, b = m.groups()
        source = services.get(a) or actors.get(a)
        if source is None:
            builder.error(iptr, f"unknown actor or service '{a}' in '{item}'", "dangling-reference")
            continue
        targets = {c.to for c in source.calls}
        if isinstance(source, M.Service) and source.kind == "gateway":
            targets.update(r.to for r in source.routes)
        if not settled:
            listed.add(item)
            continue
        if b not in targets:
            builder.error(
                iptr,
                f"'{a}' neither calls nor routes to '{b}'{did_you_mean(b, sorted(targets))}",
                "dangling-reference",
            )
            continue
        listed.add(item)
    if gateway is None and settled:
        source = actors.get(entry) or services[entry]
        starts = [c.to for c in source.calls if j.calls is None or f"{entry}->{c.to}" in listed]
        if not starts:
            builder.error(
                ptr + ("/calls" if j.calls is not None else "/entry"),
                f"journey '{j.id}' has no start node: '{entry}' makes no call"
                + (" listed in 'calls'" if j.calls is not None else ""),
                "value",
            )
