"""Mermaid flowcharts of the Graphviz views: the same ``Diagram`` (view built, filter applied,
findings drawn) written as a ``flowchart``, for the git hosts and wikis that render Mermaid.

Clusters become nested ``subgraph``s, node kinds Mermaid shapes and ``classDef`` colours (the
Graphviz palette), edge kinds solid / dashed (``-.->``) / thick (``==>``) arrows, and findings
the ``error`` / ``warning`` classes (red / amber), as in the SVG.
"""

from __future__ import annotations

import json
from collections import defaultdict

from apps.diagrams.render.graph import Diagram, Node
from apps.diagrams.render.style import CLUSTER_STYLES, EDGE_STYLES, NODE_STYLES

from .text import ident, mermaid_text, one_line

# Node kind -> (opening, closing) of its Mermaid shape.
SHAPES: dict[str, tuple[str, str]] = {
    "person": ("([", "])"),
    "system": ("(", ")"),
    "frontend": ("[/", "/]"),
    "gateway": ("{{", "}}"),
    "service": ("(", ")"),
    "worker": ("[[", "]]"),
    "external": ("(", ")"),
    "collapsed": ("[[", "]]"),
    "datastore": ("[(", ")]"),
    "team": ("(", ")"),
    "event": (">", "]"),
}
SEVERITY_CLASSES = {
    "error": "fill:#fee2e2,stroke:#dc2626,stroke-width:2px",
    "warning": "fill:#fef3c7,stroke:#d97706,stroke-width:2px",
}
ARROWS = {"solid": "-->", "dashed": "-.->", "bold": "==>"}
BOTH = {"solid": "<-->", "dashed": "<-.->", "bold": "<==>"}


def node_id(element_id: str) -> str:
    return ident(element_id, "n_")


def cluster_id(cid: str) -> str:
    return ident(cid, "c_")


def _node_line(node: Node) -> str:
    opening, closing = SHAPES.get(node.kind, ("[", "]"))
    label = mermaid_text(node.label, lines=True)
    if node.detail:
        label += "<br/><small>" + mermaid_text(node.detail, lines=True) + "</small>"
    return f'{node_id(node.id)}{opening}"{label}"{closing}'


def to_mermaid(diagram: Diagram) -> str:
    lines = [
        "---",
        f"title: {json.dumps(one_line(diagram.title), ensure_ascii=False)}",
        "---",
        f"flowchart {'LR' if diagram.rankdir == 'LR' else 'TB'}",
    ]
    children: dict[str | None, list[str]] = defaultdict(list)
    for cid, cluster in diagram.clusters.items():
        children[cluster.parent if cluster.parent in diagram.clusters else None].append(cid)
    members: dict[str | None, list[Node]] = defaultdict(list)
    for node in diagram.nodes.values():
        members[node.cluster if node.cluster in diagram.clusters else None].append(node)

    emitted: list[str] = []

    def emit(cid: str | None, depth: int) -> None:
        pad = "    " * depth
        for node in members.get(cid, []):
            lines.append(pad + _node_line(node))
        for child in children.get(cid, []):
            cluster = diagram.clusters[child]
            if not members.get(child) and not children.get(child):
                continue
            emitted.append(child)
            lines.append(f'{pad}subgraph {cluster_id(child)}["{mermaid_text(cluster.label)}"]')
            emit(child, depth + 1)
            lines.append(pad + "end")

    emit(None, 1)
    styled_edges: dict[str, list[int]] = defaultdict(list)
    for n, edge in enumerate(diagram.edges):
        _, _, dash, _, direction = EDGE_STYLES.get(edge.kind, ("", "", "solid", "", "forward"))
        src, dst = node_id(edge.src), node_id(edge.dst)
        if direction == "back":
            src, dst = dst, src
        arrow = (BOTH if direction == "both" else ARROWS).get(dash, "-->")
        label = f'|"{mermaid_text(edge.label, lines=True)}"|' if edge.label else ""
        lines.append(f"    {src} {arrow}{label} {dst}")
        styled_edges[edge.severity or edge.kind].append(n)
    for kind, (_, _, fill, stroke, style) in NODE_STYLES.items():
        dashed = ",stroke-dasharray:4 3" if "dashed" in style else ""
        lines.append(f"    classDef k_{ident(kind)} fill:{fill},stroke:{stroke}{dashed}")
    for severity, css in SEVERITY_CLASSES.items():
        lines.append(f"    classDef {severity} {css}")
    lines.append("    classDef ghost opacity:0.45")
    by_class: dict[str, list[str]] = defaultdict(list)
    for node in diagram.nodes.values():
        by_class[f"k_{ident(node.kind)}"].append(node_id(node.id))
        if node.severity in SEVERITY_CLASSES:
            by_class[node.severity].append(node_id(node.id))
        if node.ghost:
            by_class["ghost"].append(node_id(node.id))
    for cls, ids in by_class.items():
        lines.append(f"    class {','.join(ids)} {cls}")
    for cid in emitted:
        cluster = diagram.clusters[cid]
        fill, stroke, _, _ = CLUSTER_STYLES.get(cluster.kind, CLUSTER_STYLES["none"])
        if cluster.severity == "error":
            fill, stroke = "#fee2e2", "#dc2626"
        elif cluster.severity == "warning":
            fill, stroke = "#fef3c7", "#d97706"
        lines.append(f"    style {cluster_id(cid)} fill:{fill},stroke:{stroke}")
    for key, numbers in styled_edges.items():
        if key in SEVERITY_CLASSES:
            colour = "#dc2626" if key == "error" else "#d97706"
            css = f"stroke:{colour},stroke-width:2.5px"
        else:
            colour = EDGE_STYLES[key][1] if key in EDGE_STYLES else "#475569"
            css = f"stroke:{colour}"
        lines.append(f"    linkStyle {','.join(map(str, numbers))} {css}")
    return "\n".join(lines) + "\n"
