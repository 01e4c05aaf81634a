"""The teams view: services (and datastores) clustered by team, cross-team interactions
emphasised; and its summary for a large model, one node per team."""

from __future__ import annotations

from apps.archmodel.types import Model

from ..graph import Cluster, Diagram, Edge, Node
from .common import (
    TEAMS_COMPACT_ABOVE,
    _externals_cluster,
    _group_calls,
    _plural,
    _route_label,
    service_node,
)


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
