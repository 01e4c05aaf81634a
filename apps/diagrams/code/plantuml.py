"""PlantUML component diagrams of the Graphviz views: the same ``Diagram`` (filters and findings
apply) with clusters as packages, node kinds as PlantUML element types and edge kinds as solid /
dashed / bold arrows; findings colour elements red / amber. Text is escaped with HTML numeric
entities (``text.plantuml_text``), so the preprocessor, links and Creole never see model text.
"""

from __future__ import annotations

from collections import defaultdict

from apps.diagrams.render.graph import Diagram, Node
from apps.diagrams.render.style import EDGE_STYLES, NODE_STYLES

from .text import ident, plantuml_text

ELEMENTS = {
    "person": "actor",
    "system": "agent",
    "frontend": "boundary",
    "gateway": "hexagon",
    "service": "rectangle",
    "worker": "component",
    "external": "cloud",
    "collapsed": "folder",
    "datastore": "database",
    "team": "rectangle",
    "event": "queue",
}
# Line style -> (line character, extra style): "-[#colour]->", ".[#colour].>", "-[#colour,bold]->".
ARROWS = {"solid": ("-", ""), "dashed": (".", ""), "bold": ("-", ",bold")}
SEVERITY = {"error": "#fee2e2;line:dc2626;line.bold", "warning": "#fef3c7;line:d97706;line.bold"}


def node_id(element_id: str) -> str:
    return ident(element_id, "n_")


def _node(node: Node) -> str:
    label = plantuml_text(node.label, lines=True)
    if node.detail:
        label += "\\n" + plantuml_text(node.detail, lines=True)
    colour = SEVERITY.get(node.severity or "", "")
    if not colour:
        style = NODE_STYLES.get(node.kind)
        colour = f"{style[2]};line:{style[3].lstrip('#')}" if style else ""
    return f'{ELEMENTS.get(node.kind, "rectangle")} "{label}" as {node_id(node.id)}' + (
        f" {colour}" if colour else ""
    )


def to_plantuml(diagram: Diagram) -> str:
    lines = [
        "@startuml",
        f"title {plantuml_text(diagram.title)}",
        "left to right direction" if diagram.rankdir == "LR" else "top to bottom direction",
        "skinparam shadowing false",
    ]
    children: dict[str | None, list[str]] = defaultdict(list)
    for cid, cluster in diagram.clusters.items():
        children[cluster.parent if cluster.parent in diagram.clusters else None].append(cid)
    members: dict[str | None, list[Node]] = defaultdict(list)
    for node in diagram.nodes.values():
        members[node.cluster if node.cluster in diagram.clusters else None].append(node)

    def emit(cid: str | None, depth: int) -> None:
        pad = "  " * depth
        for node in members.get(cid, []):
            lines.append(pad + _node(node))
        for child in children.get(cid, []):
            if not members.get(child) and not children.get(child):
                continue
            label = plantuml_text(diagram.clusters[child].label)
            lines.append(f'{pad}package "{label}" as {ident(child, "c_")} {{')
            emit(child, depth + 1)
            lines.append(pad + "}")

    emit(None, 0)
    for edge in diagram.edges:
        _, colour, dash, _, direction = EDGE_STYLES.get(edge.kind, ("", "#475569", "solid", "", ""))
        src, dst = node_id(edge.src), node_id(edge.dst)
        if direction == "back":
            src, dst = dst, src
        line, extra = ARROWS.get(dash, ("-", ""))
        if edge.severity in SEVERITY:
            colour = "#dc2626" if edge.severity == "error" else "#d97706"
            extra = ",bold"
        arrow = ("<" if direction == "both" else "") + f"{line}[{colour}{extra}]{line}>"
        label = f" : {plantuml_text(edge.label, lines=True)}" if edge.label else ""
        lines.append(f"{src} {arrow} {dst}{label}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"
