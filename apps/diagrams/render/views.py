"""The five views, each a function `Model -> Diagram`.

- context: actors, the system boundary (frontends, gateways, services reached from outside, the
  rest collapsed into one node), external systems.
- dependencies: every service, clustered by domain; synchronous calls and gateway routes.
- events: producers -> events (one cluster per broker) -> consumers.
- data: services and datastores, clustered by domain; ownership, shared and foreign access.
- teams: services (and datastores) clustered by team; cross-team interactions emphasised.
"""

from __future__ import annotations

from collections.abc import Callable

from apps.archmodel.types import Call, Model, Service

from .graph import Cluster, Diagram, Edge, Node
from .style import MARK_BREAKER, MARK_RETRIES, MARK_TIMEOUT

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


# --- views -------------------------------------------------------------------------------------
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


def events_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="events", title="", rankdir="LR")
    for broker in model.brokers:
        detail = broker.kind + (" · ESB" if broker.role == "esb" else "")
        d.add_cluster(
            Cluster(
                id=f"broker:{broker.id}",
                label=f"{broker.label} ({detail})",
                kind="broker",
                members=(broker.id,),
            )
        )
    for s in model.services:
        if s.publishes or s.subscribes:
            d.add_node(service_node(s))
    for ev in model.events:
        detail = ev.id if ev.title else ""
        if ev.channel and ev.channel != ev.id:
            detail = " · ".join(p for p in (detail, ev.channel) if p)
        d.add_node(
            Node(
                id=ev.id,
                label=ev.label,
                kind="event",
                cluster=f"broker:{ev.broker}",
                detail=detail or None,
            )
        )
    for s in model.services:
        for pub in s.publishes:
            d.add_edge(
                Edge(
                    src=s.id, dst=pub.event, kind="publish", label="outbox" if pub.outbox else None
                )
            )
        for sub in s.subscribes:
            marks = [sub.group or ""]
            if sub.idempotent:
                marks.append("✓ idempotent" if symbols else "idempotent")
            label = " ".join(m for m in marks if m) or None
            d.add_edge(
                Edge(
                    src=sub.event,
                    dst=s.id,
                    kind="subscribe",
                    label=label,
                    keys=(f"{s.id}->{sub.event}", f"{sub.event}->{s.id}"),
                )
            )
    return d


def _data_edge(s: Service, store_owner: str | None, store: str, access: str) -> Edge:
    label: str | None
    if store_owner == s.id:
        kind, label = "own", None if access == "read-write" else f"owner, {access} only"
    elif store_owner:
        kind, label = "foreign", f"foreign {access}"
    else:
        kind, label = access, access
    return Edge(src=s.id, dst=store, kind=kind, label=label)


def data_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="data", title="", rankdir="LR")
    domains = _domain_clusters(model, d)
    services = model.service_map
    users: dict[str, set[str]] = {}
    for s in model.services:
        for access in s.data:
            users.setdefault(access.store, set()).add(s.id)
    owners = {ds.owner for ds in model.datastores if ds.owner}
    for s in model.services:
        if s.data or s.id in owners:
            d.add_node(service_node(s, domains.get(s.domain or "")))
    for ds in model.datastores:
        owner = services.get(ds.owner or "")
        n_users = len(users.get(ds.id, ()))
        detail = ds.kind + (f" · shared by {n_users}" if n_users > 1 else "")
        d.add_node(
            Node(
                id=ds.id,
                label=ds.label,
                kind="datastore",
                detail=detail,
                cluster=domains.get(owner.domain or "") if owner else None,
                shared=n_users > 1,
            )
        )
    store_owner = {ds.id: ds.owner for ds in model.datastores}
    for s in model.services:
        for access in s.data:
            d.add_edge(_data_edge(s, store_owner.get(access.store), access.store, access.access))
    return d


def teams_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="teams", title="", rankdir="LR")
    team_of: dict[str, str | None] = {}
    for team in model.teams:
        d.add_cluster(
            Cluster(id=f"team:{team.id}", label=team.label, kind="team", members=(team.id,))
        )
    externals = _externals_cluster(model, d)
    unteamed = None
    if any(s.team is None and s.kind != "external" for s in model.services):
        unteamed = d.add_cluster(Cluster(id="_noteam", label="No team", kind="none")).id
    for s in model.services:
        team_of[s.id] = s.team
        cluster = externals if s.kind == "external" else f"team:{s.team}" if s.team else unteamed
        d.add_node(service_node(s, cluster))
    services = model.service_map
    # A large model keeps only services: a datastore access becomes an edge to the datastore's
    # owner (the team that owns the data), which halves the nodes and keeps the layout readable.
    compact = len(model.services) > TEAMS_COMPACT_ABOVE
    store_owner: dict[str, str] = {}
    for ds in model.datastores:
        owner = services.get(ds.owner or "")
        team_of[ds.id] = owner.team if owner else None
        if compact:
            if owner is not None:
                store_owner[ds.id] = owner.id
            continue
        d.add_node(
            Node(
                id=ds.id,
                label=ds.label,
                kind="datastore",
                detail=ds.kind,
                cluster=f"team:{owner.team}" if owner and owner.team else None,
            )
        )

    def cross(a: str, b: str) -> bool:
        ta, tb = team_of.get(a), team_of.get(b)
        return bool(ta and tb and ta != tb)

    for s in model.services:
        paths: dict[str, list[str]] = {}
        for route in s.routes:
            paths.setdefault(route.to, []).append(route.path)
        for dst, ps in paths.items():
            d.add_edge(
                Edge(
                    src=s.id, dst=dst, kind="route", label=_route_label(ps), cross=cross(s.id, dst)
                )
            )
        for (src, dst), calls in _group_calls([(s.id, c.to, c) for c in s.calls]).items():
            d.add_edge(
                Edge(
                    src=src,
                    dst=dst,
                    kind="call",
                    cross=cross(src, dst),
                    label=", ".join(sorted({c.protocol for c in calls})),
                )
            )
        for access in s.data:
            if not compact:
                d.add_edge(
                    Edge(
                        src=s.id,
                        dst=access.store,
                        kind=access.access,
                        cross=cross(s.id, access.store),
                    )
                )
            elif store_owner.get(access.store, s.id) != s.id:
                owner_id = store_owner[access.store]
                d.add_edge(
                    Edge(
                        src=s.id,
                        dst=owner_id,
                        kind="data",
                        label=access.store,
                        keys=(f"{s.id}->{access.store}",),
                        cross=cross(s.id, owner_id),
                    )
                )
    # Event flows: publisher -> subscriber, one edge per pair labelled with the events.
    publishers: dict[str, list[str]] = {}
    for s in model.services:
        for pub in s.publishes:
            publishers.setdefault(pub.event, []).append(s.id)
    flows: dict[tuple[str, str], list[str]] = {}
    for s in model.services:
        for sub in s.subscribes:
            for p in publishers.get(sub.event, []):
                if p != s.id:
                    flows.setdefault((p, s.id), []).append(sub.event)
    for (p, c), events in flows.items():
        label = ", ".join(events[:2]) + (f" +{len(events) - 2}" if len(events) > 2 else "")
        keys = (f"{p}->{c}", *(f"{c}->{e}" for e in events), *(f"{p}->{e}" for e in events))
        d.add_edge(Edge(src=p, dst=c, kind="flow", label=label, keys=keys, cross=cross(p, c)))
    return d


def teams_summary_view(model: Model, *, symbols: bool = True) -> Diagram:
    """Teams of a large model: one node per team, one edge per pair of teams that interact,
    labelled with how many calls, data accesses and event flows cross between them."""
    d = Diagram(view="teams", title="", rankdir="LR")
    team_of: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for s in model.services:
        group = s.team or ("_external" if s.kind == "external" else "_noteam")
        team_of[s.id] = group
        sizes[group] = sizes.get(group, 0) + 1
    for ds in model.datastores:
        if ds.owner in team_of:
            team_of[ds.id] = team_of[ds.owner or ""]
    for team in model.teams:
        d.add_node(
            Node(
                id=team.id,
                label=team.label,
                kind="team",
                detail=_plural(sizes.get(team.id, 0), "service"),
            )
        )
    for synthetic, label in (("_noteam", "No team"), ("_external", "External systems")):
        if sizes.get(synthetic):
            d.add_node(
                Node(
                    id=synthetic,
                    label=label,
                    kind="team" if synthetic == "_noteam" else "external",
                    detail=_plural(sizes[synthetic], "service"),
                    members=(),
                )
            )
    # Interactions between two teams, counted per kind. Loops are inlined: this runs over every
    # call, data access and subscription of a large model.
    counts: dict[tuple[str, str], dict[str, int]] = {}
    publishers: dict[str, list[str]] = {}
    for s in model.services:
        for pub in s.publishes:
            publishers.setdefault(pub.event, []).append(team_of[s.id])
    for s in model.services:
        mine = team_of[s.id]
        # A service calling another through a call and a route counts once (dict: stable order).
        reached = dict.fromkeys([c.to for c in s.calls] + [r.to for r in s.routes])
        for kind, others in (("call", reached), ("data", [a.store for a in s.data])):
            for other in others:
                theirs = team_of.get(other)
                if theirs is not None and theirs != mine:
                    bucket = counts.setdefault((mine, theirs), {})
                    bucket[kind] = bucket.get(kind, 0) + 1
        for sub in s.subscribes:
            for theirs in publishers.get(sub.event, ()):
                if theirs != mine:
                    bucket = counts.setdefault((theirs, mine), {})
                    bucket["event"] = bucket.get("event", 0) + 1
    # One undirected edge per pair of teams: its weight (pen width) is the number of interactions.
    pairs: dict[tuple[str, str], list[str]] = {}
    totals: dict[tuple[str, str], int] = {}
    nouns = {"call": "call", "data": "data access", "event": "event"}
    for (ta, tb), bucket in counts.items():
        key = (ta, tb) if ta < tb else (tb, ta)
        text = ", ".join([_plural(n, nouns[k]) for k, n in bucket.items()])
        pairs.setdefault(key, []).append(f"{ta} → {tb}: {text}")
        totals[key] = totals.get(key, 0) + sum(bucket.values())
    for (ta, tb), lines in pairs.items():
        edge = d.add_edge(
            Edge(
                src=ta,
                dst=tb,
                kind="teamlink",
                label=str(totals[(ta, tb)]),
                keys=(f"{ta}->{tb}", f"{tb}->{ta}"),
            )
        )
        if edge is not None:
            edge.weight = totals[(ta, tb)]
            edge.notes.extend(lines)
    d.engine = "neato"
    return d


BUILDERS: dict[str, Callable[..., Diagram]] = {
    "context": context_view,
    "dependencies": dependencies_view,
    "events": events_view,
    "data": data_view,
    "teams": teams_view,
}
