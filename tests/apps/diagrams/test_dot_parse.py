"""Our DOT is read back by an independent parser (pydot): every node and edge of the diagram is
there, under its own id, whatever the model's text (quotes, HTML, braces, bidi controls)."""

from __future__ import annotations

import pydot
import pytest

from apps.archmodel import load_model
from apps.diagrams.render import VIEWS, build_diagram, diagram_dot
from apps.rules.engine import check_model
from tests.support import DEMO_COPY

from .support import hostile

MODELS = {"shop": load_model(DEMO_COPY.read_bytes()), "hostile": hostile()}


def parsed_graph(source: str) -> pydot.Dot:
    graphs = pydot.graph_from_dot_data(source)
    assert graphs and len(graphs) == 1
    return graphs[0]


def all_nodes(graph: pydot.Graph) -> set[str]:
    names = {n.get_name().strip('"') for n in graph.get_nodes()}
    for sub in graph.get_subgraphs():
        names |= all_nodes(sub)
    return names - {"node", "edge", "graph"}


def all_edges(graph: pydot.Graph) -> list[tuple[str, str]]:
    out = [(e.get_source().strip('"'), e.get_destination().strip('"')) for e in graph.get_edges()]
    for sub in graph.get_subgraphs():
        out += all_edges(sub)
    return out


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("view", list(VIEWS))
def test_an_independent_parser_reads_every_node_and_edge_of_our_dot(name: str, view: str) -> None:
    model = MODELS[name]
    diagram = build_diagram(model, view, findings=check_model(model).findings)
    source, _layout = diagram_dot(diagram)
    graph = parsed_graph(source)
    assert set(diagram.nodes) <= all_nodes(graph)
    edges = set(all_edges(graph))
    for edge in diagram.edges:
        assert (edge.src, edge.dst) in edges, (edge.src, edge.dst)
