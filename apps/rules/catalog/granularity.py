"""Granularity rules: services that are too big, too small, or cut along layers."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="megaservice",
    category="granularity",
    severity="warning",
    title="Megaservice",
    summary="A service that owns ≥ max_datastores datastores, or provides ≥ max_operations "
    "operations.",
    thresholds={"max_datastores": 3, "max_operations": 50},
    fix="Decompose by subdomain.",
)
def megaservice(ctx: Context) -> Iterator[Hit]:
    max_ds = ctx.threshold("megaservice", "max_datastores")
    max_ops = ctx.threshold("megaservice", "max_operations")
    owned: dict[str, list[str]] = {}
    for d in ctx.model.datastores:
        if d.owner:
            owned.setdefault(d.owner, []).append(d.id)
    for s in ctx.model.services:
        stores = owned.get(s.id, [])
        ops = sum(len(a.operations) for a in s.apis)
        why = []
        if len(stores) >= max_ds:
            why.append(f"owns {len(stores)} datastores (limit {max_ds:g}: {', '.join(stores)})")
        if ops >= max_ops:
            why.append(f"provides {ops} operations (limit {max_ops:g})")
        if why:
            yield Hit(s.id, [s.id, *stores], f"{s.id} {' and '.join(why)}", s.pointer)


def _callers(ctx: Context) -> dict[str, set[str]]:
    """Distinct services (any kind) calling each service, gateways' routes included."""
    out: dict[str, set[str]] = {}
    for a, b in ctx.call_edges:
        out.setdefault(b, set()).add(a)
    return out


@rule(
    id="nanoservice",
    category="granularity",
    severity="info",
    title="Nanoservice",
    summary="A service-kind service with no data, no events, no public API, exactly one caller "
    "and fan-out ≤ 1.",
    fix="Merge into its caller.",
)
def nanoservice(ctx: Context) -> Iterator[Hit]:
    callers = _callers(ctx)
    for s in ctx.model.services:
        if s.kind != "service" or s.data or s.publishes or s.subscribes:
            continue
        if any(a.public for a in s.apis):
            continue
        mine = callers.get(s.id, set())
        if len(mine) == 1 and ctx.fan_out[s.id] <= 1:
            (caller,) = mine
            yield Hit(
                s.id,
                [s.id, caller],
                f"{s.id} has no data, no events and no public api, is "
                f"called only by {caller} and calls "
                f"{ctx.fan_out[s.id]} service(s)",
                s.pointer,
            )


@rule(
    id="layered-split",
    category="granularity",
    severity="info",
    title="Layered split",
    summary="A service-kind service that is not an entry, accesses datastores, has no events "
    "and no calls, and is called by exactly one internal service.",
    fix="Cut by business capability instead.",
)
def layered_split(ctx: Context) -> Iterator[Hit]:
    for s in ctx.model.services:
        if s.kind != "service" or s.id in ctx.entries or not s.data:
            continue
        if s.publishes or s.subscribes or s.calls or ctx.fan_in(s.id) != 1:
            continue
        (caller,) = ctx.internal_callers[s.id]
        stores = sorted({a.store for a in s.data})
        yield Hit(
            s.id,
            [s.id, caller, *stores],
            f"{s.id} only wraps {', '.join(stores)} for its single caller {caller}: a "
            "data-access layer cut out as a service",
            s.pointer,
        )
