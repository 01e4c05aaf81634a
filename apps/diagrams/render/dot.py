"""DOT text from a `Diagram`, with strict escaping of everything that came from the model.

Two kinds of string reach Graphviz:
- quoted strings ("..."): backslashes and quotes escaped, newlines turned into Graphviz's `\\n`,
  `&` written as `&amp;` (Graphviz expands entities in labels and tooltips);
- HTML-like labels (<...>): model text is XML-escaped and control characters dropped, so it
  can only ever be character data inside our own markup.
Node and cluster names are always quoted, so no identifier can end a statement early.
The escaping itself lives in `escape`, the legend table in `legend`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from . import style as st
from .escape import clean, html_text, quote
from .graph import NOTES_SHOWN, Cluster, Diagram, Edge, Node
from .legend import legend_lines


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    text = " ".join(clean(text).split())
    if len(text) <= width:
        return [text]  # what textwrap gives, without its cost (most labels are short)
    lines = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return lines


@dataclass(frozen=True, slots=True)
class Layout:
    """Size-dependent choices that keep large graphs readable and fast."""

    engine: str
    edge_labels: bool
    splines: str
    ranksep: float
    nodesep: float
    concentrate: bool = False
    clusters: bool = True  # dot 2.43 can fail ("trouble in init_rank") on huge clustered graphs

    def flat(self) -> Layout:
        return replace(self, clusters=False)


LABELS_UP_TO = 150  # nodes; above this, edge details move to tooltips
CLUSTERS_UP_TO = 500  # nodes; above this, dot draws without clusters (domain stays in the label)
SFDP_ABOVE = 5000  # nodes; above this, sfdp (force-directed, no clusters) instead of dot
# sfdp lays out each connected component on its own, at a cost that grows with the whole graph
# (the data view of 5,000 services has 3,485 components: 100 s). Above this many components,
# invisible links join each to a hidden hub of its group (domain or team), and the hubs in a
# lattice, so sfdp runs once and the groups stay together (4 s).
LINK_COMPONENTS_ABOVE = 20


def choose_layout(nodes: int, edges: int, *, engine: str | None = None) -> Layout:
    if engine == "neato":
        # A small, dense graph (the team summary); curved routing of many edges is slow.
        return Layout("neato", edges <= 40, "true" if edges <= 60 else "false", 1.0, 0.5)
    if nodes > SFDP_ABOVE:
        return Layout("sfdp", False, "false", 1.0, 0.3, clusters=False)
    if nodes > LABELS_UP_TO or edges > 2 * LABELS_UP_TO:
        return Layout("dot", False, "spline", 1.0, 0.25, clusters=nodes <= CLUSTERS_UP_TO)
    return Layout("dot", True, "spline", 0.6, 0.35)


def _attrs(pairs: dict[str, str | float | int | None]) -> str:
    out = []
    for key, value in pairs.items():
        if value is None:
            continue
        if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
            out.append(f"{key}={value}")  # an HTML-like label we built ourselves
        elif isinstance(value, str):
            out.append(f"{key}={quote(value)}")
        else:
            out.append(f"{key}={value}")
    return " ".join(out)


def _classes(base: str, kind: str, severity: str | None, *extra: str) -> str:
    parts = [base, f"wb-{kind}"]
    if severity:
        parts.append(f"wb-{severity}")
    parts += [e for e in extra if e]
    return " ".join(parts)


def _tooltip(head: str, notes: list[str], more: int = 0) -> str:
    lines = [head, *notes[:NOTES_SHOWN]]
    more += max(0, len(notes) - NOTES_SHOWN)
    if more:
        lines.append(f"… and {more} more")
    return "\n".join(lines)


def _node_label(node: Node, wrap: int) -> str:
    title = "<BR/>".join(html_text(line) for line in _wrap(node.label, wrap))
    colour = st.GHOST if node.ghost else st.INK
    muted = st.GHOST if node.ghost else st.MUTED
    if node.heat >= st.HEAT_DARK - 1 and not node.ghost and not node.severity:
        # The darker fills: grey detail text would vanish; the darkest takes light text.
        colour, muted = ("#ffffff", "#ede9fe") if node.heat >= st.HEAT_DARK else (st.INK, "#2e1065")
    html = f'<FONT COLOR="{colour}"><B>{title}</B></FONT>'
    if node.detail:
        detail = html_text(_wrap(node.detail, wrap + 8, 1)[0])
        html += f'<BR/><FONT POINT-SIZE="9" COLOR="{muted}">{detail}</FONT>'
    return f"<{html}>"


@lru_cache(maxsize=1024)
def _node_look(
    kind: str,
    severity: str | None,
    ghost: bool,
    focus: bool,
    shared: bool,
    heat: int = 0,
    tags: tuple[str, ...] = (),
) -> tuple[str, str]:
    """The class and the drawing attributes of a node: they depend on a few flags only."""
    _legend, shape, fill, border, extra = st.NODE_STYLES[kind]
    styles = [s for s in extra.split(",") if s]
    penwidth = 1.2
    if ghost:
        fill, border = "#ffffff", st.GHOST
        styles = [s for s in styles if s != "dashed"] + ["dashed"]
    elif severity == "error":
        fill, border, penwidth = st.ERROR_FILL, st.ERROR, 2.6
    elif severity == "warning":
        fill, border, penwidth = st.WARNING_FILL, st.WARNING, 2.6
    elif heat:
        fill, border, penwidth = st.HEAT_FILLS[heat - 1], st.HEAT_BORDER, 1.2 + 0.5 * heat
    if focus:
        penwidth = max(penwidth, 3.0)
        styles.append("bold")
    styles.insert(0, "filled")
    classes = _classes(
        "wb-node",
        kind,
        severity,
        "wb-ghost" if ghost else "",
        "wb-focus" if focus else "",
        "wb-shared" if shared else "",
        f"wb-heat-{heat}" if heat and not ghost else "",
        *(f"wb-{tag}" for tag in tags),
    )
    look = _attrs(
        {
            "shape": shape,
            "style": ",".join(dict.fromkeys(styles)),
            "fillcolor": fill,
            "color": border,
            "penwidth": penwidth,
            "peripheries": 2 if shared else None,
            "margin": "0.3,0.2" if shared else None,
        }
    )
    return quote(classes), look


def node_stmt(node: Node, *, wrap: int = 24) -> str:
    classes, look = _node_look(
        node.kind, node.severity, node.ghost, node.focus, node.shared, node.heat, node.tags
    )
    kind_name = st.NODE_STYLES[node.kind][0]
    element = node.element or node.id
    head = (
        f"{node.label} ({kind_name}, {element})"
        if element != node.label
        else f"{node.label} ({kind_name})"
    )
    tooltip = quote(_tooltip(head, node.notes, node.more_notes))
    return (
        f"{quote(node.id)} [id={quote('node-' + node.id)} class={classes} "
        f"label={_node_label(node, wrap)} {look} tooltip={tooltip}]"
    )


@lru_cache(maxsize=1024)
def _edge_look(kind: str, severity: str | None, cross: bool, weight: int) -> tuple[str, str]:
    """The class and the drawing attributes of an edge (all but its label and tooltips)."""
    _legend, colour, style, arrowhead, direction = st.EDGE_STYLES[kind]
    penwidth = 2.4 if kind == "own" else 1.2
    if weight:
        penwidth = round(0.8 + math.log2(1 + weight), 2)
    fontcolor = st.MUTED
    if cross:
        colour, penwidth = st.CROSS_TEAM, max(penwidth, 2.2)
    if severity == "error":
        colour, fontcolor, penwidth = st.ERROR, st.ERROR, max(penwidth, 2.4)
    elif severity == "warning":
        colour, fontcolor, penwidth = st.WARNING, st.WARNING, max(penwidth, 2.4)
    classes = _classes("wb-edge", kind, severity, "wb-cross" if cross else "")
    look = _attrs(
        {
            "color": colour,
            "fontcolor": fontcolor,
            "style": "solid" if style == "bold" else style,
            "penwidth": penwidth,
            "arrowhead": arrowhead,
            "arrowtail": arrowhead if direction in ("back", "both") else None,
            "dir": direction if direction != "forward" else None,
        }
    )
    return quote(classes), look


def edge_stmt(edge: Edge, *, labels: bool) -> str:
    classes, look = _edge_look(edge.kind, edge.severity, edge.cross, edge.weight)
    head = f"{edge.src} → {edge.dst}" + (f" ({edge.label})" if edge.label else "")
    tooltip = quote(_tooltip(head.replace("\n", ", "), edge.notes, edge.more_notes))
    src, dst = quote(edge.src), quote(edge.dst)
    if labels and edge.label:
        return (
            f"{src} -> {dst} [id={quote(edge.dot_id)} class={classes} label={quote(edge.label)} "
            f"{look} tooltip={tooltip} labeltooltip={tooltip}]"
        )
    return f"{src} -> {dst} [id={quote(edge.dot_id)} class={classes} {look} tooltip={tooltip}]"


def _cluster_open(cluster: Cluster, indent: str) -> list[str]:
    fill, border, style, fontcolor = st.CLUSTER_STYLES[cluster.kind]
    penwidth = 1.0
    if cluster.severity == "error":
        border, penwidth = st.ERROR, 2.4
    elif cluster.severity == "warning":
        border, penwidth = st.WARNING, 2.4
    member = cluster.members[0] if cluster.members else cluster.id.lstrip("_")
    attrs: dict[str, str | float | int | None] = {
        "id": f"cluster-{cluster.kind}-{member}",
        "class": _classes("wb-cluster", cluster.kind, cluster.severity),
        "label": cluster.label,
        "style": style,
        "fillcolor": fill,
        "color": border,
        "penwidth": penwidth,
        "fontcolor": fontcolor,
        "fontsize": 12 if cluster.kind == "boundary" else 11,
        "labeljust": "l",
        "margin": 14,
        "tooltip": _tooltip(cluster.label, cluster.notes, cluster.more_notes),
    }
    lines = [f"{indent}subgraph {quote('cluster_' + cluster.id)} {{"]
    lines += [f"{indent}  {_attrs({k: v})};" for k, v in attrs.items() if v is not None]
    return lines


def to_dot(diagram: Diagram, layout: Layout | None = None) -> str:
    """The complete DOT source for a diagram."""
    return "".join(dot_lines(diagram, layout))


def dot_lines(diagram: Diagram, layout: Layout | None = None) -> Iterator[str]:
    """The DOT source a line at a time (each ends with a newline), to stream into Graphviz."""
    diagram.finalise()
    layout = layout or choose_layout(len(diagram.nodes), len(diagram.edges), engine=diagram.engine)
    g: dict[str, str | float | int | None] = {
        "id": f"diagram-{diagram.view}",
        "class": f"wb-diagram wb-view-{diagram.view}",
        "layout": layout.engine,
        "label": diagram.title,
        "labelloc": "t",
        "labeljust": "l",
        "fontname": st.FONT,
        "fontsize": 16,
        "fontcolor": st.INK,
        "bgcolor": "#ffffff",
        "pad": "0.3",
        "rankdir": diagram.rankdir,
        "newrank": "true",
        "compound": "true",
        "splines": layout.splines,
        "ranksep": diagram.ranksep if diagram.ranksep is not None else layout.ranksep,
        "nodesep": layout.nodesep,
        "concentrate": "true" if layout.concentrate else None,
        "outputorder": "edgesfirst",
        "tooltip": diagram.title,
    }
    if layout.engine == "sfdp":
        # "scale" removes overlaps by spreading the layout: 4x faster than "prism" at this size.
        g.update({"overlap": "scale", "K": 0.6, "newrank": None, "compound": None})
    elif layout.engine == "neato":
        g.update({"overlap": "false", "sep": "+12", "mode": "major"})
    yield f"digraph {quote('wb_' + diagram.view)} {{\n"
    yield f"  graph [{_attrs(g)}];\n"
    yield f'  node [fontname="{st.FONT}" fontsize=11 margin="0.18,0.08" fontcolor="{st.INK}"];\n'
    yield f'  edge [fontname="{st.FONT}" fontsize=9 arrowsize=0.7 color="{st.MUTED}"];\n'

    children: dict[str | None, list[Cluster]] = {}
    for cluster in diagram.clusters.values():
        children.setdefault(cluster.parent, []).append(cluster)
    nodes_in: dict[str | None, list[Node]] = {}
    for node in diagram.nodes.values():
        inside = layout.clusters and node.cluster in diagram.clusters
        nodes_in.setdefault(node.cluster if inside else None, []).append(node)
    wrap = 24 if layout.edge_labels else 20

    def has_nodes(cid: str) -> bool:
        return bool(nodes_in.get(cid)) or any(has_nodes(c.id) for c in children.get(cid, []))

    def emit(cluster_id: str | None, indent: str) -> Iterator[str]:
        for node in nodes_in.get(cluster_id, []):
            group = diagram.clusters.get(node.cluster or "") if not layout.clusters else None
            if group is not None:  # drawn without clusters: the label names the group instead
                node.detail = " · ".join(p for p in (node.detail, group.label) if p)
            yield indent + node_stmt(node, wrap=wrap) + "\n"
        for child in children.get(cluster_id, []):
            if not has_nodes(child.id):
                continue
            for line in _cluster_open(child, indent):
                yield line + "\n"
            yield from emit(child.id, indent + "  ")
            yield indent + "}\n"

    yield from emit(None, "  ")
    if not diagram.nodes:
        empty = EMPTY_VIEWS.get(diagram.view, "nothing to draw")
        yield (
            f'  "_empty" [shape=plaintext fontcolor="{st.MUTED}" '
            f"label={quote('Nothing to show: ' + empty)}];\n"
        )
    if layout.engine == "dot":
        yield from _wrap_rows(diagram, layout)
    labels = layout.edge_labels
    for edge in diagram.edges:
        yield "  " + edge_stmt(edge, labels=labels) + "\n"
    if layout.engine == "sfdp":
        yield from _component_links(diagram)
    for line in legend_lines(diagram, labels):
        yield line + "\n"
    yield "}\n"


EMPTY_VIEWS = {
    "events": "this model has no events (no service publishes or subscribes)",
    "data": "this model has no datastores",
    "teams": "this model has no teams",
    "dependencies": "this model has no services",
    "context": "this model has no services or actors",
}
WRAP_ABOVE = 8  # separate pieces (unconnected groups of nodes) before rows are wrapped


def _wrap_rows(diagram: Diagram, layout: Layout) -> Iterator[str]:
    """Many unconnected pieces (services without known calls, a service and its datastore)
    would all stand in the first ranks: one long column, 384 x 2,829 pt for Train-Ticket's
    42 services. Invisible edges chain the pieces into rows of about sqrt(n) so the drawing
    stays near square; pieces inside drawn clusters are left where the cluster puts them."""
    parent = {node_id: node_id for node_id in diagram.nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    outgoing: set[str] = set()
    incoming: set[str] = set()
    for edge in diagram.edges:
        if edge.src in parent and edge.dst in parent:
            outgoing.add(edge.src)
            incoming.add(edge.dst)
            a, b = root(edge.src), root(edge.dst)
            if a != b:
                parent[a] = b
    pieces: dict[str, list[str]] = {}
    for node_id, node in diagram.nodes.items():
        if layout.clusters and node.cluster in diagram.clusters:
            pieces.setdefault("_clustered", []).append(node_id)
            continue
        pieces.setdefault(root(node_id), []).append(node_id)
    free = [p for key, p in pieces.items() if key != "_clustered"]
    if len(free) <= WRAP_ABOVE:
        return
    width = max(2, math.ceil(math.sqrt(len(free) / 2)))  # a node is ~2x as wide as tall
    for i in range(len(free) - 1):
        if (i + 1) % width == 0:
            continue
        tail = next((n for n in free[i] if n not in outgoing), free[i][-1])
        head = next((n for n in free[i + 1] if n not in incoming), free[i + 1][0])
        yield f"  {quote(tail)} -> {quote(head)} [style=invis];\n"


def _component_links(diagram: Diagram) -> Iterator[str]:
    """Invisible hubs and edges joining the connected components (see LINK_COMPONENTS_ABOVE)."""
    parent = {node_id: node_id for node_id in diagram.nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for edge in diagram.edges:
        a, b = root(edge.src), root(edge.dst)
        if a != b:
            parent[a] = b
    first: dict[str, str] = {}  # component -> its first node, in diagram order
    for node_id in diagram.nodes:
        first.setdefault(root(node_id), node_id)
    if len(first) <= LINK_COMPONENTS_ABOVE:
        return
    hubs: dict[str, str] = {}
    for node_id in first.values():
        group = diagram.nodes[node_id].cluster or ""
        hub = hubs.setdefault(group, f"_link_{len(hubs)}")
        yield f"  {quote(hub)} -> {quote(node_id)} [style=invis];\n"
    # The hubs in a lattice (each to its right and lower neighbour), so the groups tile a
    # compact sheet instead of a ring around an empty middle.
    ordered = list(hubs.values())
    width = max(1, math.isqrt(len(ordered)))
    for i, hub in enumerate(ordered):
        yield f'  {quote(hub)} [style=invis shape=point width=0.01 label=""];\n'
        for j in (i + 1 if (i + 1) % width else None, i + width):
            if j is not None and j < len(ordered):
                yield f"  {quote(hub)} -> {quote(ordered[j])} [style=invis];\n"
