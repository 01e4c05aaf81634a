"""Communication and coupling rules: discovery, cycles, chains, fan-in/out, standards, APIs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import Context
from ..graph import cycle_text, shortest_cycle_through, strongly_connected
from ..registry import Hit, rule


def _some(ids: list[str], shown: int = 10) -> str:
    """A readable list: all ids of a short one, the first few of a long one (the finding's
    ``elements`` always has them all)."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


@rule(
    id="hardcoded-endpoint",
    category="communication",
    severity="warning",
    title="Hardcoded endpoint",
    summary="A call with discovery: static.",
    severity_note="warning; error if the callee's max replicas > 1",
    fix="Platform DNS, a registry or a mesh.",
)
def hardcoded_endpoint(ctx: Context) -> Iterator[Hit]:
    for c in ctx.internal_calls:
        if c.discovery != "static":
            continue
        callee = ctx.services.get(c.to)
        most = callee.replicas.max if callee else 1
        extra = f"; {c.to} runs up to {most} replicas" if most > 1 else ""
        yield Hit(
            c.edge,
            [c.source, c.to],
            f"{c.source} calls {c.to} at a static address{extra}",
            c.pointer,
            severity="error" if most > 1 else "warning",
        )


@rule(
    id="sync-cycle",
    category="communication",
    severity="error",
    title="Synchronous cycle",
    summary="A strongly connected component of two or more internal services in the call graph.",
    fix="Merge, invert one dependency with events, or extract the shared part.",
)
def sync_cycle(ctx: Context) -> Iterator[Hit]:
    adj = ctx.internal_call_graph
    for comp in ctx.internal_sccs:
        yield _cycle_hit(ctx, adj, comp, "synchronous call cycle", "cycle")


def _cycle_hit(ctx: Context, adj: Any, comp: list[str], what: str, noun: str) -> Hit:
    """One finding per strongly connected component: its shortest cycle from the smallest id,
    and how many services the whole component holds when the cycle shows only some."""
    cycle = shortest_cycle_through(adj, comp[0], set(comp))
    more = f" ({len(comp)} services in the {noun}: {_some(comp)})" if len(comp) > len(cycle) else ""
    return Hit(
        cycle_text(cycle),
        comp,
        f"{what} {' -> '.join([*cycle, cycle[0]])}{more}",
        ctx.services[comp[0]].pointer,
    )


@rule(
    id="async-cycle",
    category="communication",
    severity="info",
    title="Asynchronous cycle",
    summary="A strongly connected component of two or more services in the event graph whose "
    "members are not all in one sync cycle.",
    fix="Check the loop cannot amplify; add idempotency and termination.",
)
def async_cycle(ctx: Context) -> Iterator[Hit]:
    adj = ctx.event_graph
    sync_comp = {n: i for i, c in enumerate(ctx.internal_sccs) for n in c}
    for comp in sorted((c for c in strongly_connected(adj) if len(c) >= 2), key=lambda c: c[0]):
        first = sync_comp.get(comp[0])
        if first is not None and all(sync_comp.get(n) == first for n in comp):
            continue
        yield _cycle_hit(ctx, adj, comp, "event loop", "loop")


@rule(
    id="long-sync-chain",
    category="communication",
    severity="warning",
    title="Long synchronous chain",
    summary="From an entry, the longest call path (each strongly connected component "
    "collapsed to one node) has more than max_hops edges.",
    thresholds={"max_hops": 3},
    fix="Self-contained services, async messaging, API composition.",
)
def long_sync_chain(ctx: Context) -> Iterator[Hit]:
    limit = ctx.threshold("long-sync-chain", "max_hops")
    cond = ctx.condensation
    length, nxt = cond.longest_paths()
    for entry in sorted(ctx.entries):
        c = cond.comp_of[entry]
        if length[c] <= limit:
            continue
        chain: list[str] = []
        members: list[str] = []
        while c != -1:
            chain.append(entry if not chain else cond.label(c))
            members.extend(cond.shown(c))
            c = nxt[c]
        if len(cond.components[cond.comp_of[entry]]) > 1:
            chain[0] = cond.label(cond.comp_of[entry])
        yield Hit(
            entry,
            sorted(set(members)),
            f"from entry {entry} the longest synchronous chain has {length[cond.comp_of[entry]]} "
            f"hops (max {limit:g}): {' -> '.join(chain)}",
            ctx.services[entry].pointer,
        )


@rule(
    id="high-fan-out",
    category="communication",
    severity="info",
    title="High fan-out",
    summary="An internal service calls at least max distinct services.",
    thresholds={"max": 5},
    fix="Coarser APIs, composition, CQRS views.",
)
def high_fan_out(ctx: Context) -> Iterator[Hit]:
    limit = ctx.threshold("high-fan-out", "max")
    for s in ctx.internal:
        n = ctx.fan_out[s.id]
        if n >= limit:
            callees = sorted({c.to for c in s.calls})
            yield Hit(
                s.id,
                [s.id, *callees],
                f"{s.id} calls {n} services (limit {limit:g}): {', '.join(callees)}",
                s.pointer,
            )


@rule(
    id="hub-service",
    category="communication",
    severity="warning",
    title="Hub service",
    summary="An internal service with fan-in ≥ min_in and fan-out ≥ min_out.",
    thresholds={"min_in": 3, "min_out": 3},
    fix="Split responsibilities; make dependants asynchronous.",
)
def hub_service(ctx: Context) -> Iterator[Hit]:
    min_in = ctx.threshold("hub-service", "min_in")
    min_out = ctx.threshold("hub-service", "min_out")
    for s in ctx.internal:
        fin, fout = ctx.fan_in(s.id), ctx.fan_out[s.id]
        if fin >= min_in and fout >= min_out:
            yield Hit(
                s.id,
                [s.id],
                f"{s.id} is called by {fin} services and calls {fout} "
                f"(hub at {min_in:g} in and {min_out:g} out)",
                s.pointer,
            )


@rule(
    id="too-many-standards",
    category="communication",
    severity="info",
    title="Too many standards",
    summary="More than 3 runtimes among internal services, more than 2 protocols among their "
    "calls, more than 1 broker kind, or more than 3 datastore kinds.",
    fix="Agree a small standard set.",
)
def too_many_standards(ctx: Context) -> Iterator[Hit]:
    checks = [
        ("runtimes", sorted({s.runtime for s in ctx.internal}), 3),
        ("protocols", sorted({c.protocol for c in ctx.internal_calls}), 2),
        ("broker kinds", sorted({b.kind for b in ctx.model.brokers}), 1),
        ("datastore kinds", sorted({d.kind for d in ctx.model.datastores}), 3),
    ]
    over = [
        f"{len(v)} {what} ({', '.join(v)}; max {limit})"
        for what, v, limit in checks
        if len(v) > limit
    ]
    if over:
        yield Hit(
            ctx.model.name,
            [ctx.model.name],
            f"model {ctx.model.name} uses " + "; ".join(over),
            "/name",
        )


@rule(
    id="unversioned-api",
    category="communication",
    severity="warning",
    title="Unversioned API",
    summary="An API without version that is public, routed by a gateway, or called by a "
    "service of another team.",
    fix="Version paths or headers; consumer-driven contracts.",
)
def unversioned_api(ctx: Context) -> Iterator[Hit]:
    other_team: dict[str, set[str]] = {}
    for s in ctx.model.services:
        for c in s.calls:
            callee = ctx.services.get(c.to)
            if s.team and callee and callee.team and s.team != callee.team:
                for api in ctx.apis_reached(c.to, c.api):
                    other_team.setdefault(api.id, set()).add(s.id)
    for s in ctx.model.services:
        for api in s.apis:
            if api.version:
                continue
            why = []
            if api.public:
                why.append("public")
            if api.id in ctx.routed_apis:
                why.append("routed by a gateway")
            if api.id in other_team:
                callers = sorted(other_team[api.id])
                why.append(f"called by another team's {', '.join(callers)}")
            if why:
                yield Hit(
                    api.id,
                    [api.id, s.id, *other_team.get(api.id, ())],
                    f"api {api.id} of {s.id} has no version and is {', '.join(why)}",
                    api.pointer,
                )


@rule(
    id="shared-business-library",
    category="communication",
    severity="warning",
    title="Shared business library",
    summary="A library of kind business used by two or more services.",
    fix="Duplicate small code, or promote it to a service.",
)
def shared_business_library(ctx: Context) -> Iterator[Hit]:
    users: dict[str, list[str]] = {}
    for s in ctx.model.services:
        for lib_id in dict.fromkeys(s.uses):
            users.setdefault(lib_id, []).append(s.id)
    for library in ctx.model.libraries:
        used = sorted(users.get(library.id, ()))
        if library.kind == "business" and len(used) >= 2:
            yield Hit(
                library.id,
                [library.id, *used],
                f"business library {library.id} is used by {len(used)} services: {', '.join(used)}",
                library.pointer,
            )
