"""Findings on the picture: the rule engine's findings mapped onto nodes, edges and clusters.

Findings are taken as given (never recomputed here). A finding's target is an element id, an
edge "a->b" or a chain "a->b->c":
- an element → the node that stands for it (an API → its service), else a cluster (team,
  domain, broker);
- an edge or a chain → every drawn edge carrying one of its pairs.
A finding whose target this view does not draw (a data access in the dependencies view) colours
nothing; it is listed in the tooltips of the involved nodes (not of a node folding many
services together) and counted in the legend. Errors colour red and warnings amber; info
findings and suppressed findings only appear in tooltips. Ghost nodes (context outside a
filter) are never coloured. A tooltip lists up to NOTES_SHOWN findings and counts the rest.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, Protocol

from .graph import NOTES_SHOWN, Cluster, Diagram, Edge, Node
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
    if len(thing.notes) < NOTES_SHOWN:
        thing.notes.append(_note(f))
    else:
        thing.more_notes += 1
    if not f.suppressed and not (isinstance(thing, Node) and thing.ghost):
        thing.severity = _worse(thing.severity, f.severity)


def apply_findings(
    diagram: Diagram, findings: Iterable[FindingLike], *, model_name: str = ""
) -> None:
    """Colour and annotate the diagram in place; fill `summary` and `hidden_findings`."""
    members = diagram.member_index()
    nodes = diagram.nodes
    by_key: dict[str, list[Edge]] = {}
    for edge in diagram.edges:
        for key in edge.keys:
            by_key.setdefault(key, []).append(edge)
    clusters: dict[str, Cluster] = {}
    for cluster in diagram.clusters.values():
        for member in cluster.members:
            clusters.setdefault(member, cluster)

    # Elements whose node lists findings drawn elsewhere: not those folded into a node that
    # stands for many services (the context view's "N internal services"), whose tooltip
    # would only fill with other views' concerns.
    listed = {m for m, node_id in members.items() if nodes[node_id].kind != "collapsed"}
    counts = {"error": 0, "warning": 0, "info": 0}
    suppressed = hidden = 0
    # The loop runs once per finding, thousands of times on a large model: lookups are bound
    # to locals, and the common case (one edge, or one element) is tried first.
    edges_for, node_for, cluster_for = by_key.get, members.get, clusters.get
    for f in findings:
        if f.suppressed:
            suppressed += 1
        else:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        target = f.target
        targets = edges_for(target)  # an edge "a->b" is its own key
        if targets is None and "->" in target and target.count("->") > 1:  # a chain a->b->c
            targets = []
            for a, b in itertools.pairwise(target.split("->")):
                targets += edges_for(f"{a}->{b}", ())
        if targets:
            if len(targets) == 1:
                _mark(targets[0], f)
                continue
            marked: set[int] = set()  # an edge once, even if it carries two pairs
            for t in targets:
                if id(t) not in marked:
                    marked.add(id(t))
                    _mark(t, f)
            continue
        if (node_id := node_for(target)) is not None:
            _mark(nodes[node_id], f)
            continue
        if (group := cluster_for(target)) is not None:
            _mark(group, f)
            continue
        hidden += 1
        # Not drawn in this view (a data access in the dependencies view): the involved nodes
        # carry it in their tooltip, uncoloured, so each view's colours are its own concerns.
        elements = f.elements
        if (
            not elements
            or len(elements) > FALLBACK_MAX_ELEMENTS
            or listed.isdisjoint(elements)
            or target == model_name
        ):
            continue
        note = ""
        done: list[str] = []
        for element in elements:
            node_id = node_for(element) if element in listed else None
            if node_id is None or node_id in done:
                continue
            done.append(node_id)
            node = nodes[node_id]
            if len(node.notes) < NOTES_SHOWN:
                note = note or _note(f) + " (see another view)"
                node.notes.append(note)
            else:
                node.more_notes += 1

    parts_text = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.items() if n]
    if suppressed:
        parts_text.append(f"{suppressed} suppressed")
    diagram.summary = " · ".join(parts_text) if parts_text else "no findings"
    diagram.hidden_findings = hidden


def apply_blast_radius(diagram: Diagram, rows: Iterable[dict[str, Any]], journeys: int) -> None:
    """Colour each node by the share of the ``journeys`` its element's failure fails (the
    ``blast_radius`` rows of ``apps.analysis``); a node standing for several elements takes
    the worst. The tooltip says how many journeys fail and degrade."""
    diagram.heat_journeys = journeys
    # The legend's colours are the scale alone: findings are not drawn on this picture.
    diagram.colour_key = []
    diagram.legend_notes.append("findings not drawn: the colours are the blast radius")
    if not journeys:
        return
    # Every node of an element: the journey view draws an element once per path in a cycle.
    members: dict[str, list[Node]] = {}
    for node in diagram.nodes.values():
        for member in node.members:
            members.setdefault(member, []).append(node)
    for row in rows:
        failed, degraded = len(row["failed"]), len(row["degraded"])
        if not (failed or degraded):
            continue
        for node in members.get(row["element"], ()):
            if failed:
                node.heat = max(node.heat, min(4, -(-4 * failed // journeys)))
            if len(node.notes) < NOTES_SHOWN:
                node.notes.append(
                    f"[blast radius] {row['element']} down fails {failed} and degrades "
                    f"{degraded} of {journeys} journeys"
                )
            else:
                node.more_notes += 1
