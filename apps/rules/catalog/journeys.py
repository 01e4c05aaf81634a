"""Journey rules (ANALYSIS.md "Rules", category resilience): budgets of latency and
availability, critical dependencies, unbounded journeys and timeouts below the callee's latency.

They read ``ctx.analysis`` (``apps.analysis``, computed once per check) and run only when
``ctx.journey_rules`` is set: for a model that declares journeys, and for ``workbench analyse``.
"""

from __future__ import annotations

from collections.abc import Iterator

from apps.analysis.analysis import number
from apps.analysis.unfold import bits

from ..context import Context
from ..registry import Hit, rule


def _ms(value: float) -> str:
    shown = number(value)
    return "unbounded" if shown is None else f"{shown:g} ms"


@rule(
    id="journey-latency-over-target",
    category="resilience",
    severity="error",
    severity_note="error when the nominal latency is over target.latency_ms; warning when only "
    "the worst case is (unbounded included)",
    title="Journey latency over target",
    summary="A journey whose nominal (error) or worst-case (warning) latency exceeds its "
    "target.latency_ms.",
    fix="Cut sequential hops (parallelise, cache, go async); tighter timeouts, fewer retries.",
)
def journey_latency_over_target(ctx: Context) -> Iterator[Hit]:
    if not ctx.journey_rules:
        return
    an = ctx.analysis
    for j in an.journeys:
        target = j.spec.target_latency_ms
        if target is None or j.worst <= target:
            continue
        over_nominal = j.nominal > target
        which = (
            f"nominal latency {_ms(j.nominal)}"
            if over_nominal
            else f"worst-case latency {_ms(j.worst)} (nominal {_ms(j.nominal)})"
        )
        yield Hit(
            j.spec.id,
            an.elements_of(j),
            f"journey {j.spec.id}: {which} is over its target of {target:g} ms",
            j.spec.pointer,
            severity=None if over_nominal else "warning",
        )


@rule(
    id="journey-availability-below-target",
    category="resilience",
    severity="error",
    title="Journey availability below target",
    summary="A journey whose availability (the product over its required elements, in percent "
    "to 4 decimals) is below target.availability.",
    fix="Replicas for the weakest required elements, fallbacks for optional ones, async hops.",
)
def journey_availability_below_target(ctx: Context) -> Iterator[Hit]:
    if not ctx.journey_rules:
        return
    an = ctx.analysis
    g = an.graph
    for j in an.journeys:
        if not j.over_availability:
            continue
        weakest = sorted((g.av[b], g.ids[b]) for b in bits(j.required))[:3]
        names = ", ".join(f"{x} {round(100 * a, 4):g} %" for a, x in weakest)
        yield Hit(
            j.spec.id,
            an.elements_of(j),
            f"journey {j.spec.id}: availability {j.availability:g} % is below its target of "
            f"{j.spec.target_availability:g} % (weakest required: {names})",
            j.spec.pointer,
        )


@rule(
    id="critical-dependency",
    category="resilience",
    severity="warning",
    title="Critical dependency",
    summary="An element with fewer than 2 replicas whose failure fails at least min_share of "
    "the journeys and at least min_failed of them.",
    fix="≥ 2 replicas, or a fallback / async hop on the calls into it.",
    thresholds={"min_share": 0.5, "min_failed": 2},
)
def critical_dependency(ctx: Context) -> Iterator[Hit]:
    if not ctx.journey_rules:
        return
    an = ctx.analysis
    total = len(an.journeys)
    if not total:
        return
    share = ctx.threshold("critical-dependency", "min_share")
    least = ctx.threshold("critical-dependency", "min_failed")
    g = an.graph
    for row in an.blast_radius:
        failed = row["failed"]
        if len(failed) < least or len(failed) < share * total:
            continue
        i = g.index[row["element"]]
        if g.replicas[i] >= 2:
            continue
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        yield Hit(
            row["element"],
            [row["element"]],
            f"{row['element']} has {g.replicas[i]} replica(s) and its failure fails "
            f"{len(failed)} of {total} journeys ({shown})",
            g.pointers[i],
        )


@rule(
    id="unbounded-journey",
    category="resilience",
    severity="warning",
    title="Unbounded journey",
    summary="A journey whose worst-case latency is unbounded: a chain without timeouts loops back.",
    fix="A timeout on a call of the loop, or break the cycle.",
)
def unbounded_journey(ctx: Context) -> Iterator[Hit]:
    if not ctx.journey_rules:
        return
    an = ctx.analysis
    for j in an.journeys:
        if number(j.worst) is None:
            yield Hit(
                j.spec.id,
                an.elements_of(j),
                f"journey {j.spec.id} has an unbounded worst case: untimed calls loop back "
                f"(cut edges: {', '.join(j.cut)})",
                j.spec.pointer,
            )


@rule(
    id="timeout-below-latency",
    category="resilience",
    severity="warning",
    title="Timeout below latency",
    summary="A call, in some journey tree and not cut, whose timeout is below the callee's "
    "nominal latency there: it times out on a normal day.",
    fix="Raise the timeout to the callee's budget, or make the callee faster.",
)
def timeout_below_latency(ctx: Context) -> Iterator[Hit]:
    if not ctx.journey_rules:
        return
    for label, (edge, timeout, latency) in sorted(ctx.analysis.timeouts_below_latency().items()):
        a, _, b = label.partition("->")
        yield Hit(
            label,
            [a, b],
            f"{a} calls {b} with a timeout of {timeout:g} ms but {b} takes {_ms(latency)} "
            "nominally there",
            edge.pointer,
        )
