"""The dependencies view: every service, clustered by domain; synchronous calls and gateway
routes."""

from __future__ import annotations

from apps.archmodel.types import Model

from ..graph import Diagram, Edge
from .common import (
    _actor_node,
    _domain_clusters,
    _externals_cluster,
    _group_calls,
    _route_label,
    call_label,
    service_node,
)


def dependencies_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="dependencies", title="", rankdir="LR")
    domains = _domain_clusters(model, d)
    externals = _externals_cluster(model, d)
    for actor in model.actors:
        d.add_node(_actor_node(actor.id, actor.label, actor.kind))
    for s in model.services:
        cluster = externals if s.kind == "external" else domains.get(s.domain or "")
        d.add_node(service_node(s, cluster))
    for src, dst in dict.fromkeys((a.id, c.to) for a in model.actors for c in a.calls):
        d.add_edge(Edge(src=src, dst=dst, kind="actor"))
    for s in model.services:
        paths: dict[str, list[str]] = {}
        for route in s.routes:
            paths.setdefault(route.to, []).append(route.path)
        for dst, ps in paths.items():
            d.add_edge(Edge(src=s.id, dst=dst, kind="route", label=_route_label(ps)))
        for (src, dst), calls in _group_calls([(s.id, c.to, c) for c in s.calls]).items():
            kind = "actor" if s.kind == "frontend" else "call"
            d.add_edge(
                Edge(src=src, dst=dst, kind=kind, label=call_label(calls, symbols=symbols) or None)
            )
    return d
