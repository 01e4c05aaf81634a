"""Everything the rules share, computed once per check (lazily): indexes, the call graph,
fan-in/fan-out, entries, strongly connected components and their condensation.

Terms follow RULES.md: *internal* services are of kind service, gateway or worker; the *call
graph* has one edge per distinct (service, callee) pair plus one per gateway route.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import TYPE_CHECKING

from apps.archmodel.types import Api, Call, Model, Route, Service

from .graph import Condensation, adjacency, strongly_connected

if TYPE_CHECKING:
    from apps.analysis import Analysis


class Context:
    def __init__(
        self, model: Model, thresholds: dict[str, dict[str, float]], *, journey_rules: bool = False
    ):
        self.model = model
        self._thresholds = thresholds
        # The journey rules (ANALYSIS.md) run for models that declare journeys, and always for
        # ``workbench analyse``; every other model keeps exactly its findings.
        self.journey_rules = journey_rules

    def threshold(self, rule_id: str, name: str) -> float:
        return self._thresholds[rule_id][name]

    # --- indexes ----------------------------------------------------------------------------

    @cached_property
    def services(self) -> dict[str, Service]:
        return {s.id: s for s in self.model.services}

    @cached_property
    def internal(self) -> list[Service]:
        return [s for s in self.model.services if s.internal]

    @cached_property
    def internal_ids(self) -> set[str]:
        return {s.id for s in self.internal}

    @cached_property
    def team_of(self) -> dict[str, str]:
        """Team of each service, and of each datastore (its owner's team), when set."""
        teams = {s.id: s.team for s in self.model.services if s.team}
        for d in self.model.datastores:
            if d.owner and d.owner in teams:
                teams[d.id] = teams[d.owner]
        return teams

    @cached_property
    def internal_calls(self) -> list[Call]:
        """Calls listed by internal services: the ones the call rules judge."""
        return [c for s in self.internal for c in s.calls]

    @cached_property
    def routes(self) -> list[Route]:
        return [r for s in self.model.services if s.kind == "gateway" for r in s.routes]

    @cached_property
    def apis(self) -> dict[str, Api]:
        return {a.id: a for s in self.model.services for a in s.apis}

    def apis_reached(self, to: str, api: str | None) -> list[Api]:
        """The APIs a route or call reaches: the named one, else every API of the target."""
        if api is not None:
            return [self.apis[api]] if api in self.apis else []
        s = self.services.get(to)
        return list(s.apis) if s else []

    @cached_property
    def routed_apis(self) -> set[str]:
        return {a.id for r in self.routes for a in self.apis_reached(r.to, r.api)}

    # --- the call graph ----------------------------------------------------------------------

    @cached_property
    def call_edges(self) -> set[tuple[str, str]]:
        edges = {(s.id, c.to) for s in self.model.services for c in s.calls}
        edges.update((r.gateway, r.to) for r in self.routes)
        return edges

    @cached_property
    def call_graph(self) -> dict[str, list[str]]:
        return adjacency(self.services, self.call_edges)

    @cached_property
    def fan_out(self) -> dict[str, int]:
        """Distinct services each service calls (its ``calls``; external callees included)."""
        return {s.id: len({c.to for c in s.calls}) for s in self.model.services}

    @cached_property
    def internal_callers(self) -> dict[str, set[str]]:
        """Distinct internal services calling each service (a gateway's routes count)."""
        callers: dict[str, set[str]] = defaultdict(set)
        for a, b in self.call_edges:
            if a in self.internal_ids:
                callers[b].add(a)
        return callers

    def fan_in(self, sid: str) -> int:
        return len(self.internal_callers.get(sid, ()))

    @cached_property
    def entries(self) -> set[str]:
        """Internal services targeted by an actor's or frontend's call or by a gateway route,
        or that provide a public API."""
        out: set[str] = set()
        for a in self.model.actors:
            out.update(c.to for c in a.calls)
        for s in self.model.services:
            if s.kind == "frontend":
                out.update(c.to for c in s.calls)
            if any(api.public for api in s.apis):
                out.add(s.id)
        out.update(r.to for r in self.routes)
        return out & self.internal_ids

    @cached_property
    def internal_sccs(self) -> list[list[str]]:
        """Strongly connected components of ≥ 2 services in the call graph among internal
        services (sync-cycle), sorted by their smallest id."""
        internal = self.internal_ids
        adj = {
            n: [m for m in succ if m in internal]
            for n, succ in self.call_graph.items()
            if n in internal
        }
        return sorted((c for c in strongly_connected(adj) if len(c) >= 2), key=lambda c: c[0])

    @cached_property
    def internal_call_graph(self) -> dict[str, list[str]]:
        internal = self.internal_ids
        return {
            n: [m for m in succ if m in internal]
            for n, succ in self.call_graph.items()
            if n in internal
        }

    @cached_property
    def condensation(self) -> Condensation:
        """The call graph (external services included) with each SCC collapsed to one node."""
        return Condensation(self.call_graph)

    # --- resilience analysis -----------------------------------------------------------

    @cached_property
    def analysis(self) -> Analysis:
        """The journeys, their figures and the blast radius (``apps.analysis``)."""
        from apps.analysis.report import analysis_of

        return analysis_of(self.model)

    # --- events ------------------------------------------------------------------------------

    @cached_property
    def publishers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for s in self.model.services:
            for p in s.publishes:
                out[p.event].append(s.id)
        return out

    @cached_property
    def subscribers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for s in self.model.services:
            for sub in s.subscribes:
                out[sub.event].append(s.id)
        return out

    @cached_property
    def event_edges(self) -> set[tuple[str, str]]:
        """publisher -> subscriber for every event (self-loops dropped)."""
        edges: set[tuple[str, str]] = set()
        for event, pubs in self.publishers.items():
            subs = self.subscribers.get(event, ())
            for p in set(pubs):
                for s in set(subs):
                    if p != s:
                        edges.add((p, s))
        return edges

    @cached_property
    def event_graph(self) -> dict[str, list[str]]:
        return adjacency((), self.event_edges)

    # --- data --------------------------------------------------------------------------------

    @cached_property
    def accessors(self) -> dict[str, dict[str, bool]]:
        """datastore -> {service: writes?} over every service's data accesses."""
        out: dict[str, dict[str, bool]] = defaultdict(dict)
        for s in self.model.services:
            for a in s.data:
                out[a.store][s.id] = out[a.store].get(s.id, False) or a.writes
        return out
