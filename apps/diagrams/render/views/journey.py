"""The journey view: one journey's dependency tree, left to right (docs/analysis.md).

It is drawn from the analysis' shared unfolding (``apps.analysis.unfold``): every tree node the
journey reaches is one diagram node, so a subtree shared by several parents (a diamond) is drawn
once and the picture is a DAG. Inside a call cycle the unfolding follows each path until a call
comes back to a service already on it; that cut edge ends at a small "↩ id" stub, so a cycle is
unfolded once and never more.

Each edge carries what it costs the journey: the call's timeout, retries (with backoff), breaker
and fallback, then its worst-case cost (a timed call (1 + r)·t + r·b, any other edge its
callee's worst case) and that cost's *budget share*: over the journey's ``target.latency_ms``,
else over the journey's own worst case. Nodes are coloured by the latency from them on (the
nominal N and worst W of their subtree) against the target: N over it red, only W amber.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.analysis.graph import CALL, DATA, PUBLISH, ROUTE
from apps.analysis.graph import Edge as AnalysisEdge
from apps.analysis.unfold import INF

from .. import style as st
from ..errors import DiagramInputError
from ..graph import Diagram, Edge, Node
from .common import _actor_node, service_node

if TYPE_CHECKING:
    from apps.analysis.analysis import Analysis, JourneyFigures

JOURNEY_VIEW = "journey"
EDGE_KINDS = {CALL: "call", ROUTE: "route", DATA: "access", PUBLISH: "publish"}
LISTED = 8  # journeys named in the "unknown journey" message


def fmt_ms(value: float) -> str:
    """A latency for people: ``185 ms``, ``1,250 ms``, ``2.5 ms``, ``unbounded``."""
    if value == INF:
        return "unbounded"
    if float(value).is_integer():
        return f"{int(value):,} ms"
    return f"{value:,.1f} ms"


def upto(ms: float) -> str:
    """A worst case, short: ``≤1,250 ms``, or ``unbounded``."""
    return "unbounded" if ms == INF else f"≤{fmt_ms(ms)}"


def duration(ms: float) -> str:
    """A call setting, compact: ``300ms``, ``1.5s``."""
    if ms >= 1000 and ms % 100 == 0:
        return f"{ms / 1000:g}s"
    return f"{ms:g}ms"


def share_text(cost: float, budget: float | None) -> str:
    """The share of ``budget`` that ``cost`` uses: ``25 %``, ``<1 %``, ``∞``; "" without one."""
    if budget is None or budget <= 0:
        return ""
    if cost == INF:
        return "∞"
    pct = 100 * cost / budget
    if 0 < pct < 1:
        return "<1 %"
    return f"{round(pct):,} %"


def edge_cost(e: AnalysisEdge, child: int, worst: list[float]) -> float:
    """What the edge adds to its parent's worst case (ANALYSIS.md "Latency")."""
    if e.timeout is not None:
        return (1 + e.retries) * e.timeout + e.retries * e.backoff
    return INF if child < 0 else worst[child]


def call_text(e: AnalysisEdge, *, symbols: bool) -> str:
    """A call's resilience settings: ``◷300ms ↻2 (50ms) ⚡ +fallback``."""
    parts: list[str] = []
    if e.timeout is not None:
        t = duration(e.timeout)
        parts.append(f"{st.MARK_TIMEOUT}{t}" if symbols else f"timeout {t}")
    elif e.kind == CALL:
        parts.append("no timeout")
    if e.retries:
        backoff = f" ({duration(e.backoff)})" if e.backoff else ""
        parts.append(
            f"{st.MARK_RETRIES}{e.retries}{backoff}" if symbols else f"retries {e.retries}{backoff}"
        )
    if e.breaker:
        parts.append(st.MARK_BREAKER if symbols else "breaker")
    if e.fallback:
        parts.append("+fallback")
    return " ".join(parts)


def find_journey(analysis: Analysis, journey_id: str | None) -> JourneyFigures:
    ids = [j.spec.id for j in analysis.journeys]
    for j in analysis.journeys:
        if j.spec.id == journey_id:
            return j
    named = ", ".join(ids[:LISTED]) + (
        f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    )
    choice = f"choose one of {named}" if ids else "this model has no journeys"
    if not journey_id:
        raise DiagramInputError(f"the journey view needs journey=<id>; {choice}")
    raise DiagramInputError(f"unknown journey {journey_id!r}; {choice}")


def journey_view(
    analysis: Analysis, journey_id: str | None, *, symbols: bool = True, colours: bool = True
) -> Diagram:
    """The diagram of one journey's tree; ``colours=False`` leaves the latency colours out
    (the caller colours by blast radius instead)."""
    j = find_journey(analysis, journey_id)
    model, g, u = analysis.model, analysis.graph, analysis.unfolded
    spec = j.spec
    target = spec.target_latency_ms
    budget = target if target else (j.worst if j.worst != INF and j.worst > 0 else None)
    of_what = f"of the {fmt_ms(target)} target" if target else "of the journey's worst case"
    # Edge labels stand in ranks of their own: a tighter rank gap keeps the tree on one screen.
    d = Diagram(view=JOURNEY_VIEW, title="", rankdir="LR", ranksep=0.3)

    def make_node(node_id: str, element: int) -> Node:
        eid, kind = g.ids[element], g.kinds[element]
        if kind == "service":
            node = service_node(model.service_map[eid])
            node.id = node_id
        else:
            el = model.by_id[eid]
            detail = getattr(el, "kind", None) or kind
            node = Node(id=node_id, label=el.label, kind=kind, detail=str(detail))
        node.element = eid
        node.members = (eid,)
        return node

    # The entry: outside the tree (hop 0) for an actor or a frontend; a gateway is itself the
    # start node, drawn with the tree.
    if not spec.gateway:
        entry = model.by_id.get(spec.entry)
        if spec.entry in model.service_map:
            d.add_node(service_node(model.service_map[spec.entry]))
        elif entry is not None:
            d.add_node(_actor_node(entry.id, entry.label, getattr(entry, "kind", "person")))

    # Every tree node the journey reaches, children in child order (depth first, iteratively:
    # a chain may be thousands deep). An element's first node takes its id, a repeat (only
    # inside cycles, one per path) "id~2", "id~3", ...
    names: dict[int, str] = {}
    repeats: dict[str, int] = {}
    order: list[int] = []
    stack = list(reversed(j.roots))
    while stack:
        uid = stack.pop()
        if uid in names:
            continue
        eid = g.ids[u.elem[uid]]
        n = repeats[eid] = repeats.get(eid, 0) + 1
        names[uid] = eid if n == 1 else f"{eid}~{n}"
        order.append(uid)
        stack.extend(c for _e, c in reversed(u.children[uid]) if c >= 0 and c not in names)

    required = j.required
    for uid in order:
        node = d.add_node(make_node(names[uid], u.elem[uid]))
        nominal, worst, own = u.N[uid], u.W[uid], g.lat[u.elem[uid]]
        node.detail = f"{fmt_ms(nominal)} · {upto(worst)}"
        state = st.LATENCY_OK
        if target and nominal > target:
            state = st.LATENCY_OVER
        elif target and worst > target:
            state = st.LATENCY_WORST_OVER
        if colours and target:
            node.tags = (state,)
            node.severity = {st.LATENCY_OVER: "error", st.LATENCY_WORST_OVER: "warning"}.get(state)
        node.notes.append(
            f"own latency {fmt_ms(own)}; from here: nominal {fmt_ms(nominal)}, "
            f"worst {fmt_ms(worst)}" + (f" (target {fmt_ms(target)})" if target else "")
        )
        if not required >> u.elem[uid] & 1:
            node.notes.append(
                "reached only behind a fallback: it can degrade the journey, not fail it"
            )

    cuts = 0

    def label(cost: float, head: str) -> str:
        share = share_text(cost, budget)
        figures = upto(cost) + (f" · {share}" if share else "")
        return "\n".join(x for x in (head, figures) if x)

    if not spec.gateway:
        for start, root in zip(spec.starts, j.roots, strict=True):
            cost = u.W[root]
            d.add_edge(
                Edge(
                    src=spec.entry,
                    dst=names[root],
                    kind="actor",
                    label=label(cost, ""),
                    ref=f"{spec.entry}->{start}",
                    keys=(f"{spec.entry}->{start}",),
                    notes=[
                        f"{fmt_ms(cost)} worst case: {share_text(cost, budget) or '—'} {of_what}"
                    ],
                )
            )
    for uid in order:
        src = names[uid]
        for e, c in u.children[uid]:
            cost = edge_cost(e, c, u.W)
            head = call_text(e, symbols=symbols) if e.kind == CALL else (e.route_path or "")
            share = share_text(cost, budget)
            note = f"worst case {fmt_ms(cost)}: {share or '—'} {of_what}"
            if c < 0:
                cuts += 1
                to = g.ids[e.to]
                stub = d.add_node(
                    Node(
                        id=f"_cut{cuts}",
                        label=f"↩ {to}",
                        kind="cut",
                        detail="already on the path",
                        element=to,
                        members=(f"_cut{cuts}",),
                        notes=[
                            f"{e.label} calls back onto the path: the journey does not follow it"
                        ],
                    )
                )
                d.add_edge(
                    Edge(
                        src=src,
                        dst=stub.id,
                        kind="cut",
                        label=label(cost, head),
                        ref=e.label,
                        keys=(e.label,),
                        notes=[note + ("" if e.timeout is not None else " (no timeout)")],
                    )
                )
                continue
            d.add_edge(
                Edge(
                    src=src,
                    dst=names[c],
                    kind=EDGE_KINDS[e.kind],
                    label=label(cost, head),
                    ref=e.label,
                    keys=(e.label,),
                    notes=[note],
                )
            )

    if colours and target:
        d.colour_key = [
            (
                st.ERROR_FILL,
                st.ERROR,
                f"nominal latency from here over the {fmt_ms(target)} target",
            ),
            (st.WARNING_FILL, st.WARNING, "only its worst case over the target"),
            ("#ffffff", st.MUTED, "its kind's colours: within the target"),
        ]
    else:
        d.colour_key = []
    d.legend_notes = [
        "node: nominal · ≤ worst-case latency from there on",
        f"edge: ≤ its worst-case cost · share {of_what}"
        if budget
        else "edge: ≤ its worst-case cost",
    ]
    if not target:
        d.legend_notes.append("no latency target: nodes not coloured by latency")
    return d


def journey_title(analysis: Analysis, journey_id: str) -> str:
    """``checkout: 185 ms, worst 1,250 ms (target 400 ms); 99.3507 % (target 99.5 %)``."""
    j = find_journey(analysis, journey_id)
    t = j.spec
    lat = f"{fmt_ms(j.nominal)}, worst {fmt_ms(j.worst)}"
    if t.target_latency_ms:
        lat += f" (target {fmt_ms(t.target_latency_ms)})"
    av = f"{j.availability:g} %"
    if t.target_availability is not None:
        av += f" (target {t.target_availability:g} %)"
    return f"{t.id}: {lat}; {av}"
