"""The context view: actors, the system boundary (frontends, gateways, services reached from
outside, the rest collapsed into one node), external systems."""

from __future__ import annotations

from apps.archmodel.types import Call, Model

from ..graph import Cluster, Diagram, Edge, Node
from .common import COLLAPSED, _actor_node, _plural, _route_label, call_label, service_node


def context_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="context", title="", rankdir="TB")
    boundary = d.add_cluster(
        Cluster(id="_system", label=model.title or model.name, kind="boundary")
    ).id

    # Who is reached from outside: frontends' and actors' targets.
    outside_calls = [(a.id, c) for a in model.actors for c in a.calls]
    outside_calls += [(s.id, c) for s in model.services if s.kind == "frontend" for c in s.calls]
    direct = {c.to for _, c in outside_calls}

    for actor in model.actors:
        d.add_node(_actor_node(actor.id, actor.label, actor.kind))
    individual: set[str] = set()
    for s in model.services:
        if s.kind in ("frontend", "gateway") or (s.internal and s.id in direct):
            d.add_node(service_node(s, boundary))
            individual.add(s.id)
        elif s.kind == "external":
            d.add_node(service_node(s))
            individual.add(s.id)
    collapsed = [s.id for s in model.services if s.internal and s.id not in individual]
    if collapsed:
        d.add_node(
            Node(
                id=COLLAPSED,
                label=f"{len(collapsed)} internal services",
                kind="collapsed",
                members=tuple(collapsed),
                cluster=boundary,
                detail="see the dependencies view",
            )
        )

    def at(element: str) -> str:
        return element if element in individual or element in d.nodes else COLLAPSED

    # Edges, merged per drawn pair; keys keep the underlying calls for the findings overlay.
    merged: dict[tuple[str, str], tuple[str, list[str], list[Call], list[str]]] = {}

    def link(
        src: str, dst: str, kind: str, key: str, call: Call | None = None, path: str | None = None
    ) -> None:
        a, b = at(src), at(dst)
        if a == b:
            return
        entry = merged.setdefault((a, b), (kind, [], [], []))
        if key not in entry[1]:
            entry[1].append(key)
        if call is not None:
            entry[2].append(call)
        if path is not None:
            entry[3].append(path)

    for src, call in outside_calls:
        link(src, call.to, "actor", call.edge, call)
    for s in model.services:
        if s.kind == "frontend":
            continue
        for route in s.routes:
            link(s.id, route.to, "route", f"{s.id}->{route.to}", path=route.path)
        for call in s.calls:
            link(s.id, call.to, "call", call.edge, call)
    for (a, b), (kind, keys, calls, paths) in merged.items():
        if kind == "route" and paths:
            label = _route_label(paths) if b != COLLAPSED else _plural(len(paths), "route")
        elif b == COLLAPSED or a == COLLAPSED:
            label = (
                _plural(len(keys), "call") if len(keys) > 1 else call_label(calls, symbols=symbols)
            )
        else:
            label = call_label(calls, symbols=symbols) if kind == "call" else ""
        d.add_edge(Edge(src=a, dst=b, kind=kind, label=label or None, keys=tuple(keys)))
    return d
