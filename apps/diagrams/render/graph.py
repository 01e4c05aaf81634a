"""The diagram as plain data: nodes, edges and clusters built from a model, before any DOT.

Views build a `Diagram`; filters and the findings overlay edit it; `dot.py` writes it out.
Node ids are element ids (slugs) or synthetic ids starting with "_" (never a valid slug).
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOTES_SHOWN = 12  # tooltip lines per element; past this, notes are only counted


@dataclass(slots=True)
class Node:
    id: str
    label: str
    kind: str  # a key of style.NODE_STYLES
    members: tuple[str, ...] = ()  # element ids this node stands for (findings, filters)
    cluster: str | None = None
    detail: str | None = None  # second, smaller line (technology, kind, counts)
    ghost: bool = False  # drawn faded: outside the filter, shown for context
    shared: bool = False  # a datastore used by several services
    focus: bool = False
    severity: str | None = None  # set by the findings overlay
    notes: list[str] = field(default_factory=list)  # tooltip lines (at most NOTES_SHOWN)
    more_notes: int = 0  # notes past NOTES_SHOWN, counted in the tooltip
    heat: int = 0  # blast-radius colouring: 1-4 = the share of journeys its failure fails
    element: str | None = None  # the element's id when the node id is not it (journey view)
    tags: tuple[str, ...] = ()  # extra classes (the journey view's latency states)

    def __post_init__(self) -> None:
        if not self.members:
            self.members = (self.id,)


@dataclass(slots=True)
class Edge:
    src: str
    dst: str
    kind: str  # a key of style.EDGE_STYLES
    label: str | None = None
    keys: tuple[str, ...] = ()  # finding targets this edge stands for, e.g. "orders->payments"
    cross: bool = False  # crosses a team boundary (teams view)
    severity: str | None = None
    notes: list[str] = field(default_factory=list)
    more_notes: int = 0
    dot_id: str = ""  # assigned by Diagram.finalise()
    weight: int = 0  # interactions an aggregated edge stands for (drawn as pen width)
    ref: str | None = None  # the "a->b" it stands for when its ends are not element ids

    @property
    def data_id(self) -> str:
        return self.ref or f"{self.src}->{self.dst}"

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = (f"{self.src}->{self.dst}",)


@dataclass(slots=True)
class Cluster:
    id: str
    label: str
    kind: str  # domain | team | broker | boundary | none
    parent: str | None = None
    members: tuple[str, ...] = ()  # element ids (a team, a domain, a broker) for findings
    severity: str | None = None
    notes: list[str] = field(default_factory=list)
    more_notes: int = 0


@dataclass(slots=True)
class Diagram:
    view: str
    title: str
    rankdir: str = "LR"
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    summary: str = ""  # findings summary for the legend
    hidden_findings: int = 0  # findings whose elements this view does not draw
    engine: str | None = None  # a view may ask for another Graphviz engine (team summary: neato)
    heat_journeys: int = 0  # journeys behind the blast-radius colouring (0: not coloured)
    # The legend's colour rows (fill, border, meaning) when the view colours by something else
    # than findings (the journey view: latency against the target); None: the findings' rows.
    colour_key: list[tuple[str, str, str]] | None = None
    legend_notes: list[str] = field(default_factory=list)  # more legend lines (muted text)
    ranksep: float | None = None  # a view's own rank gap (inches), instead of the layout's

    def add_node(self, node: Node) -> Node:
        return self.nodes.setdefault(node.id, node)

    def add_cluster(self, cluster: Cluster) -> Cluster:
        return self.clusters.setdefault(cluster.id, cluster)

    def add_edge(self, edge: Edge) -> Edge | None:
        if edge.src not in self.nodes or edge.dst not in self.nodes:
            return None
        self.edges.append(edge)
        return edge

    def finalise(self) -> None:
        """Give every edge a stable, unique DOT id (`edge-a--b`, then `edge-a--b-2`, ...)."""
        seen: dict[str, int] = {}
        for edge in self.edges:
            base = f"edge-{edge.src}--{edge.dst}"
            n = seen.get(base, 0) + 1
            seen[base] = n
            edge.dot_id = base if n == 1 else f"{base}-{n}"

    def member_index(self) -> dict[str, str]:
        """element id -> node id, for every element a node stands for."""
        index: dict[str, str] = {}
        for node in self.nodes.values():
            for member in node.members:
                index.setdefault(member, node.id)
        return index
