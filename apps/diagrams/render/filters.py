"""Filters: one domain, one team, or the neighbourhood of one element.

A domain or team filter keeps that domain's (team's) elements and draws their direct partners
outside it faded ("ghosts"), so the boundary stays visible. A focus filter keeps the elements
within `hops` relations of the focus in the model (calls, routes, data access, events), counting
an event as one hop between its publisher and its subscribers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from apps.archmodel.types import Model

from .errors import DiagramInputError
from .graph import Diagram

MAX_HOPS = 6


@dataclass(frozen=True, slots=True)
class Filters:
    domain: str | None = None
    team: str | None = None
    focus: str | None = None
    hops: int = 1
    # The drawing's direction, "TB" or "LR"; None keeps the view's own. The editor asks for the
    # one that suits the pane's shape, so a view can open fitted and readable.
    direction: str | None = None
    journey: str | None = None  # the journey view's journey (its id)

    @property
    def active(self) -> bool:
        return bool(self.domain or self.team or self.focus)

    def key(self) -> str:
        """Stable text for cache keys."""
        key = f"domain={self.domain or ''};team={self.team or ''};focus={self.focus or ''};hops={self.hops}"
        key += f";direction={self.direction}" if self.direction else ""
        return key + (f";journey={self.journey}" if self.journey else "")

    def validate(self, model: Model) -> None:
        chosen = [x for x in (self.domain, self.team, self.focus) if x]
        if len(chosen) > 1:
            raise DiagramInputError("choose one filter: domain, team or focus")
        if not 0 <= self.hops <= MAX_HOPS:
            raise DiagramInputError(f"hops must be between 0 and {MAX_HOPS}")
        if self.domain and self.domain not in {d.id for d in model.domains}:
            raise DiagramInputError(f"unknown domain {self.domain!r}")
        if self.team and self.team not in {t.id for t in model.teams}:
            raise DiagramInputError(f"unknown team {self.team!r}")
        if self.focus and self.focus not in model.by_id:
            raise DiagramInputError(f"unknown element {self.focus!r}")


def _relations(model: Model) -> dict[str, set[str]]:
    """Undirected adjacency over services, actors, datastores and events."""
    adj: dict[str, set[str]] = {}

    def link(a: str, b: str) -> None:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)

    for actor in model.actors:
        for call in actor.calls:
            link(actor.id, call.to)
    for s in model.services:
        adj.setdefault(s.id, set())
        for call in s.calls:
            link(s.id, call.to)
        for route in s.routes:
            link(s.id, route.to)
        for access in s.data:
            link(s.id, access.store)
        for pub in s.publishes:
            link(s.id, pub.event)
        for sub in s.subscribes:
            link(s.id, sub.event)
        for api in s.apis:
            link(s.id, api.id)
    for ds in model.datastores:
        if ds.owner:
            link(ds.owner, ds.id)
    for ev in model.events:
        link(ev.id, ev.broker)
    return adj


def neighbourhood(model: Model, focus: str, hops: int) -> set[str]:
    adj = _relations(model)
    seen = {focus}
    queue = deque([(focus, 0)])
    while queue:
        current, dist = queue.popleft()
        if dist == hops:
            continue
        for nxt in sorted(adj.get(current, ())):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, dist + 1))
    return seen


def _membership(model: Model, attr: str, value: str) -> set[str]:
    """Elements belonging to a domain/team: its services, their datastores and events."""
    core = {s.id for s in model.services if getattr(s, attr) == value}
    core |= {a.id for s in model.services if s.id in core for a in s.apis}
    core |= {ds.id for ds in model.datastores if ds.owner in core}
    core |= {p.event for s in model.services if s.id in core for p in s.publishes}
    core.add(value)
    return core


def apply_filters(diagram: Diagram, model: Model, filters: Filters) -> None:
    """Cut the diagram down to the filter, in place."""
    if not filters.active:
        return
    filters.validate(model)
    ghosts_allowed = True
    if filters.focus:
        core = neighbourhood(model, filters.focus, filters.hops)
        ghosts_allowed = False
    elif filters.domain:
        core = _membership(model, "domain", filters.domain)
    else:
        core = _membership(model, "team", filters.team or "")

    kept = {nid for nid, node in diagram.nodes.items() if core.intersection(node.members)}
    ghosts: set[str] = set()
    if ghosts_allowed:
        for edge in diagram.edges:
            if edge.src in kept and edge.dst not in kept:
                ghosts.add(edge.dst)
            elif edge.dst in kept and edge.src not in kept:
                ghosts.add(edge.src)
    for nid in list(diagram.nodes):
        node = diagram.nodes[nid]
        if nid in kept:
            if node.kind == "collapsed":
                inside = [m for m in node.members if m in core]
                node.members = tuple(inside)
                node.label = f"{len(inside)} internal service{'s' if len(inside) != 1 else ''}"
            node.focus = filters.focus is not None and filters.focus in node.members
        elif nid in ghosts:
            node.ghost = True
        else:
            del diagram.nodes[nid]
    diagram.edges = [
        e
        for e in diagram.edges
        if e.src in diagram.nodes and e.dst in diagram.nodes and (e.src in kept or e.dst in kept)
    ]
    used = {n.cluster for n in diagram.nodes.values() if n.cluster}
    for cid in list(used):
        parent = diagram.clusters[cid].parent
        while parent:
            used.add(parent)
            parent = diagram.clusters[parent].parent
    diagram.clusters = {cid: c for cid, c in diagram.clusters.items() if cid in used}
