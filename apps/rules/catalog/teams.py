"""Team rules: ownership and how teams are cut."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="unowned-service",
    category="teams",
    severity="warning",
    title="Unowned service",
    summary="When the model declares teams: an internal service or frontend without team.",
    fix="One owning team per service.",
)
def unowned_service(ctx: Context) -> Iterator[Hit]:
    if not ctx.model.teams:
        return
    for s in ctx.model.services:
        if (s.internal or s.kind == "frontend") and not s.team:
            yield Hit(s.id, [s.id], f"{s.kind} {s.id} has no owning team", s.pointer)


@rule(
    id="single-layer-team",
    category="teams",
    severity="warning",
    title="Single-layer team",
    summary="A team with two or more services, all of them frontends or all gateways.",
    fix="Cross-functional teams aligned to business capabilities.",
)
def single_layer_team(ctx: Context) -> Iterator[Hit]:
    members: dict[str, list] = {}
    for s in ctx.model.services:
        if s.team:
            members.setdefault(s.team, []).append(s)
    for t in ctx.model.teams:
        services = members.get(t.id, [])
        kinds = {s.kind for s in services}
        if len(services) >= 2 and kinds in ({"frontend"}, {"gateway"}):
            ids = sorted(s.id for s in services)
            yield Hit(
                t.id,
                [t.id, *ids],
                f"team {t.id} owns only {kinds.pop()}s: {', '.join(ids)}",
                t.pointer,
            )


@rule(
    id="tightly-coupled-teams",
    category="teams",
    severity="info",
    title="Tightly coupled teams",
    summary="A team whose cross-team interactions outnumber its internal ones, with at least "
    "min_cross cross-team interactions.",
    thresholds={"min_cross": 3},
    fix="Reassign ownership or split by coupling.",
)
def tightly_coupled_teams(ctx: Context) -> Iterator[Hit]:
    min_cross = ctx.threshold("tightly-coupled-teams", "min_cross")
    team_of = ctx.team_of
    triples: set[tuple[str, str, str]] = {("call", a, b) for a, b in ctx.call_edges}
    triples.update(("data", s.id, a.store) for s in ctx.model.services for a in s.data)
    triples.update(("event", a, b) for a, b in ctx.event_edges)
    internal: dict[str, int] = {}
    cross: dict[str, int] = {}
    partners: dict[str, set[str]] = {}
    for _, a, b in triples:
        ta, tb = team_of.get(a), team_of.get(b)
        if not ta or not tb:
            continue
        if ta == tb:
            internal[ta] = internal.get(ta, 0) + 1
        else:
            for mine, other in ((ta, tb), (tb, ta)):
                cross[mine] = cross.get(mine, 0) + 1
                partners.setdefault(mine, set()).add(other)
    for t in ctx.model.teams:
        n_cross, n_int = cross.get(t.id, 0), internal.get(t.id, 0)
        if n_cross >= min_cross and n_cross > n_int:
            others = sorted(partners[t.id])
            yield Hit(
                t.id,
                [t.id, *others],
                f"team {t.id} has {n_cross} cross-team interactions (with "
                f"{', '.join(others)}) and {n_int} internal ones (min {min_cross:g})",
                t.pointer,
            )
