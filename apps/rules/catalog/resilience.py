"""Resilience rules: timeouts, circuit breakers, retries, replicas and health."""

from __future__ import annotations

from collections.abc import Iterator

from apps.archmodel.types import IDEMPOTENT_METHODS, Call

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="wobbly-call",
    category="resilience",
    severity="error",
    title="Wobbly call",
    summary="A call with neither timeout_ms nor a circuit breaker.",
    fix="Timeout and circuit breaker, or go asynchronous.",
)
def wobbly_call(ctx: Context) -> Iterator[Hit]:
    for c in ctx.internal_calls:
        if c.timeout_ms is None and c.circuit_breaker is None:
            yield Hit(
                c.edge,
                [c.source, c.to],
                f"{c.source} calls {c.to} with no timeout and no circuit breaker",
                c.pointer,
            )


@rule(
    id="missing-timeout",
    category="resilience",
    severity="warning",
    title="Missing timeout",
    summary="A call with a circuit breaker but no timeout_ms.",
    fix="Explicit timeout from the callee's latency budget.",
)
def missing_timeout(ctx: Context) -> Iterator[Hit]:
    for c in ctx.internal_calls:
        if c.timeout_ms is None and c.circuit_breaker is not None:
            yield Hit(
                c.edge,
                [c.source, c.to],
                f"{c.source} calls {c.to} with a circuit breaker but no timeout",
                c.pointer,
            )


@rule(
    id="missing-circuit-breaker",
    category="resilience",
    severity="warning",
    title="Missing circuit breaker",
    summary="A call with timeout_ms but no circuit breaker.",
    fix="Circuit breaker with a fallback.",
)
def missing_circuit_breaker(ctx: Context) -> Iterator[Hit]:
    for c in ctx.internal_calls:
        if c.timeout_ms is not None and c.circuit_breaker is None:
            yield Hit(
                c.edge,
                [c.source, c.to],
                f"{c.source} calls {c.to} with a {c.timeout_ms} ms timeout but no circuit breaker",
                c.pointer,
            )


def _idempotent(ctx: Context, c: Call) -> bool | None:
    """Whether the call's named operation is idempotent; None when it names none we know."""
    if not c.operation:
        return None
    norm = " ".join(c.operation.split())
    if c.api and c.api in ctx.apis:
        op = ctx.apis[c.api].operation(norm)
        if op is not None:
            return op.idempotent
    method, _, rest = norm.partition(" ")
    if rest and method.isalpha():
        return method.upper() in IDEMPOTENT_METHODS
    return None


@rule(
    id="unsafe-retry",
    category="resilience",
    severity="warning",
    title="Unsafe retry",
    summary="A call that retries without backoff, without jitter, more than max_retries times, "
    "without a timeout, or on an operation that is not idempotent.",
    thresholds={"max_retries": 3},
    fix="Capped exponential backoff with jitter; idempotency keys.",
)
def unsafe_retry(ctx: Context) -> Iterator[Hit]:
    cap = ctx.threshold("unsafe-retry", "max_retries")
    for c in ctx.internal_calls:
        r = c.retries
        if r.max <= 0:
            continue
        why = []
        if r.backoff_ms is None:
            why.append("no backoff")
        if r.jitter is not True:
            why.append("no jitter")
        if r.max > cap:
            why.append(f"{r.max} retries (max {cap:g})")
        if c.timeout_ms is None:
            why.append("no timeout")
        if _idempotent(ctx, c) is False:
            why.append(f"operation {c.operation} is not idempotent")
        if why:
            yield Hit(
                c.edge,
                [c.source, c.to],
                f"{c.source} retries {c.to} up to {r.max} times with {', '.join(why)}",
                c.pointer,
            )


@rule(
    id="retry-amplification",
    category="resilience",
    severity="error",
    title="Retry amplification",
    summary="Along a call path from an entry, the product of (1 + retries) over its calls "
    "exceeds max_amplification; reported where it first crosses the limit.",
    thresholds={"max_amplification": 10},
    fix="Retry at one layer only; retry budgets.",
)
def retry_amplification(ctx: Context) -> Iterator[Hit]:
    limit = ctx.threshold("retry-amplification", "max_amplification")
    cond = ctx.condensation
    comp_of = cond.comp_of
    # Attempts multiplier of each edge between two different components: the largest
    # (1 + retries.max) among the calls a->b (a route is one attempt). Calls inside a
    # strongly connected component are left out; sync-cycle reports those.
    weight: dict[tuple[str, str], int] = {}
    for s in ctx.model.services:
        for c in s.calls:
            if comp_of[s.id] != comp_of[c.to]:
                key = (s.id, c.to)
                weight[key] = max(weight.get(key, 1), 1 + max(c.retries.max, 0))
    for r in ctx.routes:
        if comp_of[r.gateway] != comp_of[r.to]:
            weight.setdefault((r.gateway, r.to), 1)
    incoming: dict[int, list[tuple[str, str, int]]] = {}
    for (a, b), w in weight.items():
        incoming.setdefault(comp_of[b], []).append((a, b, w))
    entry_comps = {comp_of[e] for e in ctx.entries}
    best: dict[int, int] = {}  # component -> max product over paths from an entry
    via: dict[int, tuple[str, str]] = {}  # component -> the edge achieving it
    for comp in range(len(cond.components)):  # topological order
        product = 1 if comp in entry_comps else 0
        edge = None
        for a, b, w in sorted(incoming.get(comp, ()), key=lambda e: (e[0], e[1])):
            pa = best.get(comp_of[a], 0)
            if pa and pa * w > product:
                product, edge = pa * w, (a, b)
        if product:
            best[comp] = product
            if edge is not None:
                via[comp] = edge
    for comp, product in best.items():
        if product <= limit or comp not in via:
            continue
        callers = [best.get(comp_of[a], 0) for a, _, _ in incoming.get(comp, ())]
        if any(p > limit for p in callers):
            continue
        # Walk back the maximising path to its entry.
        path: list[str] = [via[comp][1]]
        factors: list[int] = []
        walk = comp
        while walk in via:
            a, b = via[walk]
            factors.append(weight[(a, b)])
            if b != path[-1]:
                path.append(b)
            path.append(a)
            walk = comp_of[a]
        path.reverse()
        factors.reverse()
        target = via[comp][1]
        yield Hit(
            target,
            sorted(set(path)),
            f"{target} can receive {product} attempts per request from entry {path[0]} "
            f"({' x '.join(map(str, factors))} along {' -> '.join(path)}; max "
            f"{limit:g})",
            ctx.services[target].pointer,
        )


def _worst_case(c: Call) -> int:
    r = c.retries
    return (1 + r.max) * (c.timeout_ms or 0) + r.max * (r.backoff_ms or 0)


@rule(
    id="timeout-budget-inversion",
    category="resilience",
    severity="warning",
    title="Timeout budget inversion",
    summary="A call a->b whose timeout is not larger than b's worst case downstream: the max "
    "over b's timed calls of (1+retries)·timeout + retries·backoff.",
    fix="Deadline propagation; fewer retries deeper down.",
)
def timeout_budget_inversion(ctx: Context) -> Iterator[Hit]:
    worst: dict[str, tuple[int, Call]] = {}
    for s in ctx.model.services:
        for c in s.calls:
            if c.timeout_ms is None:
                continue
            w = _worst_case(c)
            if s.id not in worst or w > worst[s.id][0]:
                worst[s.id] = (w, c)
    for c in ctx.internal_calls:
        if c.timeout_ms is None or c.to not in worst:
            continue
        w, deep = worst[c.to]
        if w >= c.timeout_ms:
            r = deep.retries
            how = f"its {deep.timeout_ms} ms timeout"
            if r.max:
                how = (
                    f"{1 + r.max} x {deep.timeout_ms} ms + {r.max} x {r.backoff_ms or 0} ms backoff"
                )
            yield Hit(
                c.edge,
                [c.source, c.to, deep.to],
                f"{c.source} gives {c.to} {c.timeout_ms} ms, but {c.to}'s call to {deep.to} "
                f"alone can take {w} ms ({how})",
                c.pointer,
            )


@rule(
    id="single-point-of-failure",
    category="resilience",
    severity="warning",
    title="Single point of failure",
    summary="Fewer than 2 minimum replicas for a gateway, a broker, a datastore some service "
    "accesses, or an internal service with fan-in ≥ min_fanin.",
    severity_note="error for gateways and brokers, else warning",
    thresholds={"min_fanin": 3},
    fix="≥ 2 replicas, HA datastore, disruption budget.",
)
def single_point_of_failure(ctx: Context) -> Iterator[Hit]:
    min_fanin = ctx.threshold("single-point-of-failure", "min_fanin")
    for s in ctx.internal:
        if s.replicas.min >= 2:
            continue
        if s.kind == "gateway":
            yield Hit(
                s.id,
                [s.id],
                f"gateway {s.id} runs {s.replicas.min} replica",
                s.pointer,
                severity="error",
            )
        elif ctx.fan_in(s.id) >= min_fanin:
            yield Hit(
                s.id,
                [s.id],
                f"{s.id} runs {s.replicas.min} replica and {ctx.fan_in(s.id)} "
                f"services depend on it (limit {min_fanin:g})",
                s.pointer,
            )
    for b in ctx.model.brokers:
        if b.replicas < 2:
            yield Hit(
                b.id,
                [b.id],
                f"broker {b.id} runs {b.replicas} replica",
                b.pointer,
                severity="error",
            )
    for d in ctx.model.datastores:
        users = ctx.accessors.get(d.id)
        if d.replicas < 2 and users:
            yield Hit(
                d.id,
                [d.id, *users],
                f"datastore {d.id} runs {d.replicas} replica and {len(users)} service(s) use it",
                d.pointer,
            )


@rule(
    id="missing-health-check",
    category="resilience",
    severity="warning",
    title="Missing health check",
    summary="An internal service without health.",
    fix="Liveness and readiness endpoints.",
)
def missing_health_check(ctx: Context) -> Iterator[Hit]:
    for s in ctx.internal:
        if s.health is None:
            yield Hit(s.id, [s.id], f"{s.id} declares no health check", s.pointer)


@rule(
    id="stateful-replicas",
    category="resilience",
    severity="error",
    title="Stateful replicas",
    summary="A stateful: true service whose replicas (or max replicas) > 1.",
    fix="Externalise session state (e.g. Redis) and make it stateless.",
)
def stateful_replicas(ctx: Context) -> Iterator[Hit]:
    for s in ctx.model.services:
        if s.stateful and max(s.replicas.min, s.replicas.max) > 1:
            yield Hit(
                s.id,
                [s.id],
                f"{s.id} keeps session state in memory and runs up to {s.replicas.max} replicas",
                s.pointer,
            )
