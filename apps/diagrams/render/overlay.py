"""Findings on the picture: the rule engine's findings mapped onto nodes, edges and clusters.

Findings are taken as given (never recomputed here). A finding's target is an element id, an
edge "a->b" or a chain "a->b->c":
- an element → the node that stands for it (an API → its service), else a cluster (team,
  domain, broker);
- an edge or a chain → every drawn edge carrying one of its pairs.
A finding whose target this view does not draw (a data access in the dependencies view) colours
nothing; it is listed in the tooltips of the involved nodes and counted in the legend. Errors
colour red and warnings amber; info findings and suppressed findings only appear in tooltips.
Ghost nodes (context outside a filter) are never coloured.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, Protocol

from .graph import Cluster, Diagram, Edge, Node
from .style import SEVERITY_RANK

FALLBACK_MAX_ELEMENTS = 5


class FindingLike(Protocol):
    rule: str
    severity: str
    target: str
    elements: Any
    message: str
    suppressed: Any


def _worse(current: str | None, new: str) -> str:
    if current is None or SEVERITY_RANK.get(new, 0) > SEVERITY_RANK.get(current, 0):
        return new
    return current


def _note(f: FindingLike) -> str:
    prefix = "suppressed" if f.suppressed else f.severity
    return f"[{prefix}] {f.rule}: {f.message}"


def _mark(thing: Node | Edge | Cluster, f: FindingLike) -> None:
    thing.notes.append(_note(f))
    if not f.suppressed and not (isinstance(thing, Node) and thing.ghost):
        thing.severity = _worse(thing.severity, f.severity)


def apply_findings(
    diagram: Diagram, findings: Iterable[FindingLike], *, model_name: str = ""
) -> None:
    """Colour and annotate the diagram in place; fill `summary` and `hidden_findings`."""
    members = diagram.member_index()
    by_key: dict[str, list[Edge]] = {}
    for edge in diagram.edges:
        for key in edge.keys:
            by_key.setdefault(key, []).append(edge)
    clusters: dict[str, Cluster] = {}
    for cluster in diagram.clusters.values():
        for member in cluster.members:
            clusters.setdefault(member, cluster)

    counts = {"error": 0, "warning": 0, "info": 0}
    suppressed = hidden = 0
    for f in findings:
        if f.suppressed:
            suppressed += 1
        else:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        targets: list[Node | Edge | Cluster] = []
        parts = f.target.split("->")
        if len(parts) > 1:
            for a, b in itertools.pairwise(parts):
                targets += by_key.get(f"{a}->{b}", [])
        elif f.target in members:
            targets.append(diagram.nodes[members[f.target]])
        elif f.target in clusters:
            targets.append(clusters[f.target])
        if targets:
            seen: set[int] = set()
            for t in targets:
                if id(t) not in seen:
                    seen.add(id(t))
                    _mark(t, f)
            continue
        hidden += 1
        # Not drawn in this view (a data access in the dependencies view): the involved nodes
        # carry it in their tooltip, uncoloured, so each view's colours are its own concerns.
        if f.target != model_name and len(f.elements or ()) <= FALLBACK_MAX_ELEMENTS:
            for element in dict.fromkeys(members[e] for e in f.elements or () if e in members):
                diagram.nodes[element].notes.append(_note(f) + " (see another view)")

    parts_text = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.items() if n]
    if suppressed:
        parts_text.append(f"{suppressed} suppressed")
    diagram.summary = " · ".join(parts_text) if parts_text else "no findings"
    diagram.hidden_findings = hidden
