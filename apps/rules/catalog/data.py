"""Data rules: who owns and who touches each datastore, sagas, dual writes, ESBs."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


def _names(ids) -> str:
    ids = list(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else "".join(ids)


@rule(
    id="shared-database",
    category="data",
    severity="error",
    title="Shared database",
    summary="A datastore accessed by two or more distinct services.",
    severity_note="error if ≥2 services write, warning if 1 writer + readers, info if all read",
    fix="Database per service; expose data through the owner's API or events.",
)
def shared_database(ctx: Context) -> Iterator[Hit]:
    for d in ctx.model.datastores:
        acc = ctx.accessors.get(d.id, {})
        if len(acc) < 2:
            continue
        writers = sorted(s for s, w in acc.items() if w)
        readers = sorted(s for s, w in acc.items() if not w)
        if len(writers) >= 2:
            sev, how = "error", f"{len(writers)} services write it ({_names(writers)})"
        elif writers:
            sev, how = "warning", f"{writers[0]} writes it and {_names(readers)} read it"
        else:
            sev, how = "info", f"{len(readers)} services read it ({_names(readers)})"
        yield Hit(
            d.id,
            [d.id, *acc],
            f"datastore {d.id} is shared by {len(acc)} services: {how}",
            d.pointer,
            severity=sev,
        )


@rule(
    id="foreign-data-access",
    category="data",
    severity="warning",
    title="Foreign data access",
    summary="A service accesses a datastore whose owner is another service.",
    severity_note="warning; error when it writes",
    fix="Call the owner's API, or keep a local read model fed by its events.",
)
def foreign_data_access(ctx: Context) -> Iterator[Hit]:
    stores = {d.id: d for d in ctx.model.datastores}
    for s in ctx.model.services:
        for a in s.data:
            d = stores.get(a.store)
            if d is None or not d.owner or d.owner == s.id:
                continue
            verb = "writes" if a.writes else "reads"
            yield Hit(
                f"{s.id}->{d.id}",
                [s.id, d.id, d.owner],
                f"{s.id} {verb} {d.id}, which is owned by {d.owner}",
                a.pointer,
                severity="error" if a.writes else "warning",
            )


@rule(
    id="cross-team-data-access",
    category="data",
    severity="warning",
    title="Cross-team data access",
    summary="A service accesses a datastore that belongs to another team.",
    fix="Move ownership, or split the data along team boundaries.",
)
def cross_team_data_access(ctx: Context) -> Iterator[Hit]:
    for s in ctx.model.services:
        for a in s.data:
            mine, theirs = ctx.team_of.get(s.id), ctx.team_of.get(a.store)
            if mine and theirs and mine != theirs:
                yield Hit(
                    f"{s.id}->{a.store}",
                    [s.id, a.store],
                    f"{s.id} (team {mine}) accesses {a.store}, which belongs to team {theirs}",
                    a.pointer,
                )


@rule(
    id="unowned-datastore",
    category="data",
    severity="warning",
    title="Unowned datastore",
    summary="A datastore with no owner, or whose owner does not access it.",
    fix="Name exactly one owning service.",
)
def unowned_datastore(ctx: Context) -> Iterator[Hit]:
    for d in ctx.model.datastores:
        if not d.owner:
            yield Hit(d.id, [d.id], f"datastore {d.id} has no owner", d.pointer)
        elif d.owner not in ctx.accessors.get(d.id, {}):
            yield Hit(
                d.id,
                [d.id, d.owner],
                f"datastore {d.id} is owned by {d.owner}, which does not access it",
                d.pointer,
            )


def _owning_writers(ctx: Context, services: list[str]) -> list[str]:
    """Services (of ``services``) that write a datastore they own."""
    owned: dict[str, set[str]] = {}
    for d in ctx.model.datastores:
        if d.owner:
            owned.setdefault(d.owner, set()).add(d.id)
    out = []
    for sid in services:
        s = ctx.services.get(sid)
        if s and any(a.writes and a.store in owned.get(sid, ()) for a in s.data):
            out.append(sid)
    return out


@rule(
    id="distributed-transaction-without-saga",
    category="data",
    severity="error",
    title="Distributed transaction without a saga",
    summary="A saga coordinated by 2pc or none in which two or more step services write "
    "datastores they own.",
    fix="An orchestrated or choreographed saga with compensations.",
)
def distributed_transaction(ctx: Context) -> Iterator[Hit]:
    for saga in ctx.model.sagas:
        if saga.coordination not in ("2pc", "none"):
            continue
        steps = list(dict.fromkeys(st.service for st in saga.steps))
        writers = sorted(_owning_writers(ctx, steps))
        if len(writers) >= 2:
            yield Hit(
                saga.id,
                [saga.id, *writers],
                f"saga {saga.id} (coordination: {saga.coordination}) spans {len(writers)} "
                f"services that write their own datastores: {_names(writers)}",
                saga.pointer,
            )


@rule(
    id="saga-without-compensation",
    category="data",
    severity="warning",
    title="Saga without compensation",
    summary="An orchestration or choreography saga in which a step other than the last has no "
    "compensation.",
    fix="Add the compensating action.",
)
def saga_without_compensation(ctx: Context) -> Iterator[Hit]:
    for saga in ctx.model.sagas:
        if saga.coordination not in ("orchestration", "choreography"):
            continue
        missing = [(i, st) for i, st in enumerate(saga.steps[:-1]) if not st.compensation]
        if missing:
            what = ", ".join(
                f"step {i + 1} ({st.service}{' ' + st.action if st.action else ''})"
                for i, st in missing
            )
            yield Hit(
                saga.id,
                [saga.id, *{st.service for _, st in missing}],
                f"saga {saga.id} has {len(missing)} step(s) before the last without a "
                f"compensation: {what}",
                saga.pointer,
            )


@rule(
    id="dual-write",
    category="data",
    severity="warning",
    title="Dual write",
    summary="A service that writes a datastore and publishes an event without outbox: true.",
    fix="Transactional outbox or change data capture.",
)
def dual_write(ctx: Context) -> Iterator[Hit]:
    for s in ctx.model.services:
        written = [a.store for a in s.data if a.writes]
        if not written:
            continue
        for p in s.publishes:
            if not p.outbox:
                yield Hit(
                    f"{s.id}->{p.event}",
                    [s.id, p.event, *written],
                    f"{s.id} writes {_names(sorted(set(written)))} and publishes {p.event} "
                    "without an outbox",
                    p.pointer,
                )


@rule(
    id="esb-usage",
    category="data",
    severity="warning",
    title="ESB usage",
    summary="A broker with role: esb.",
    fix="Smart endpoints, dumb pipes: move logic into services.",
)
def esb_usage(ctx: Context) -> Iterator[Hit]:
    for b in ctx.model.brokers:
        if b.role == "esb":
            yield Hit(
                b.id,
                [b.id],
                f"broker {b.id} is an ESB (role: esb) holding routing or transformation logic",
                b.pointer,
            )
