"""The framework-free renderer: every view of every example, findings, filters, scale."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from apps.diagrams.render import (
    VIEWS,
    DiagramInputError,
    Filters,
    RenderFailed,
    RenderTimeout,
    build_diagram,
    diagram_dot,
    render,
    svg_is_safe,
)
from apps.diagrams.render.engine import run_graphviz
from apps.rules.engine import check_model

from .support import SVG, example_models, generated, svg_root


@dataclass
class F:
    """A finding as the rule engine shapes it (for cases the examples do not produce)."""

    rule: str
    severity: str
    target: str
    elements: list[str] = field(default_factory=list)
    message: str = "message"
    suppressed: bool = False


EXAMPLES = example_models()
SHOP = dict(EXAMPLES)["shop"]


def _g(svg: bytes, gid: str):
    for g in svg_root(svg).iter("{http://www.w3.org/2000/svg}g"):
        if g.get("id") == gid:
            return g
    raise AssertionError(f"{gid} not in the SVG")


@pytest.mark.parametrize("name,model", EXAMPLES, ids=[n for n, _ in EXAMPLES])
@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_of_every_example_renders_svg_png_and_dot(name, model, view):
    findings = check_model(model).findings
    svg = render(model, view, findings=findings).content
    assert svg_is_safe(svg)
    ids = {g.get("data-id") for g in svg_root(svg).iter("{http://www.w3.org/2000/svg}g")}
    assert ids - {None}, "nodes carry their element ids"
    assert render(model, view, fmt="png", findings=findings).content.startswith(b"\x89PNG")
    dot = render(model, view, fmt="dot", findings=findings).content.decode()
    assert dot.startswith("digraph") and "cluster__legend" in dot


def test_errors_are_red_and_warnings_amber_on_the_elements_they_target():
    findings = check_model(SHOP).findings
    deps = render(SHOP, "dependencies", findings=findings).content
    wobbly = _g(deps, "edge-orders--catalog")  # wobbly-call: an error
    assert "wb-error" in wobbly.get("class") and wobbly.get("data-severity") == "error"
    assert 'stroke="#dc2626"' in _xml(wobbly)
    bypass = _g(deps, "edge-partner-shop--catalog")  # no-api-gateway: a warning
    assert bypass.get("data-severity") == "warning" and 'stroke="#d97706"' in _xml(bypass)
    assert _g(deps, "node-payments").get("data-severity") is None
    data = render(SHOP, "data", findings=findings).content
    assert _g(data, "node-catalog-db").get("data-severity") == "warning"  # shared-database
    assert "wb-shared" in _g(data, "node-catalog-db").get("class")
    events = render(SHOP, "events", findings=findings).content
    # non-idempotent-consumer targets "shipping->order-placed": the delivery edge.
    assert _g(events, "edge-order-placed--shipping").get("data-severity") == "warning"


def _xml(el) -> str:
    import xml.etree.ElementTree as ET

    return ET.tostring(el, encoding="unicode")


def test_tooltips_list_findings_and_suppressed_ones_are_not_coloured():
    findings = [
        F(
            "wobbly-call",
            "error",
            "orders->payments",
            ["orders", "payments"],
            "no timeout",
            suppressed=True,
        ),
        F("hub-service", "warning", "payments", ["payments"], "too central"),
        F("missing-telemetry", "info", "catalog", ["catalog"], "no traces"),
    ]
    svg = render(SHOP, "dependencies", findings=findings).content
    edge = _g(svg, "edge-orders--payments")
    assert edge.get("data-severity") is None and "[suppressed] wobbly-call: no timeout" in _xml(
        edge
    )
    assert _g(svg, "node-payments").get("data-severity") == "warning"
    assert "hub-service: too central" in _xml(_g(svg, "node-payments"))
    catalog = _g(svg, "node-catalog")
    assert "wb-info" in catalog.get("class") and 'fill="#fee2e2"' not in _xml(catalog)


def test_a_chain_target_colours_every_edge_of_the_cycle():
    d = build_diagram(
        SHOP,
        "dependencies",
        findings=[
            F("sync-cycle", "error", "orders->payments->payment-provider", ["orders", "payments"])
        ],
    )
    coloured = {(e.src, e.dst) for e in d.edges if e.severity == "error"}
    assert coloured == {("orders", "payments"), ("payments", "payment-provider")}


def test_team_findings_colour_the_team_cluster():
    d = build_diagram(
        SHOP,
        "teams",
        findings=[
            F("tightly-coupled-teams", "info", "team-orders"),
            F("single-layer-team", "warning", "team-storefront"),
        ],
    )
    assert d.clusters["team:team-storefront"].severity == "warning"


def test_a_domain_filter_keeps_the_domain_and_fades_its_partners():
    d = build_diagram(SHOP, "dependencies", filters=Filters(domain="ordering"))
    kept = {n.id for n in d.nodes.values() if not n.ghost}
    ghosts = {n.id for n in d.nodes.values() if n.ghost}
    assert kept == {"orders", "payments"}
    assert ghosts == {"gateway", "catalog", "payment-provider"}
    assert "shipping" not in d.nodes


def test_a_team_filter_and_a_focus_filter():
    d = build_diagram(SHOP, "teams", filters=Filters(team="team-logistics"))
    assert {n.id for n in d.nodes.values() if not n.ghost} == {"shipping", "shipping-db"}
    near = build_diagram(SHOP, "dependencies", filters=Filters(focus="payments", hops=1))
    assert set(near.nodes) == {"payments", "orders", "payment-provider"}
    assert near.nodes["payments"].focus
    wider = build_diagram(SHOP, "dependencies", filters=Filters(focus="payments", hops=2))
    assert {"catalog", "gateway"} <= set(wider.nodes)


@pytest.mark.parametrize(
    "filters,message",
    [
        (Filters(domain="nope"), "unknown domain"),
        (Filters(team="nope"), "unknown team"),
        (Filters(focus="nope"), "unknown element"),
        (Filters(focus="orders", hops=99), "hops"),
        (Filters(domain="ordering", team="team-orders"), "one filter"),
    ],
)
def test_bad_filters_are_refused_with_a_message(filters, message):
    with pytest.raises(DiagramInputError, match=message):
        build_diagram(SHOP, "dependencies", filters=filters)


def test_unknown_view_and_format_are_input_errors():
    with pytest.raises(DiagramInputError):
        render(SHOP, "nope")
    with pytest.raises(DiagramInputError):
        render(SHOP, "events", fmt="gif")


def test_graphviz_timeout_and_failure_are_clear_errors():
    with pytest.raises(RenderTimeout, match="longer than"):
        run_graphviz("digraph { a -> b }", "svg", timeout=0.000001)
    with pytest.raises(RenderFailed, match="Graphviz failed"):
        run_graphviz("digraph { a -> ", "svg")


def test_call_marks_show_protocol_timeout_retries_and_breaker():
    d = build_diagram(SHOP, "dependencies")
    label = next(e.label for e in d.edges if (e.src, e.dst) == ("orders", "payments"))
    assert label == "grpc ◷1.5s ↻2 ⚡"
    plain = build_diagram(SHOP, "dependencies", symbols=False)
    label = next(e.label for e in plain.edges if (e.src, e.dst) == ("orders", "payments"))
    assert label == "grpc timeout 1.5s retries 2 breaker"


@pytest.mark.parametrize("view", list(VIEWS))
def test_a_200_service_model_renders_every_view(view):
    model = generated(200)
    result = render(model, view, findings=check_model(model).findings)
    assert svg_is_safe(result.content) and result.nodes > 1


def test_a_large_teams_view_summarises_teams_and_cross_team_traffic():
    d = build_diagram(generated(200), "teams")
    assert {n.kind for n in d.nodes.values()} <= {"team", "external"}
    assert d.engine == "neato" and all(e.weight > 0 for e in d.edges)


def test_when_dot_gives_up_on_clusters_the_diagram_is_drawn_flat(monkeypatch):
    import apps.diagrams.render as r

    real_write, real_finish = r.GraphvizRun.write, r.GraphvizRun.finish
    sources: list[list[str]] = []

    def write(self, text):
        if not sources or sources[-1] is not getattr(self, "_seen", None):
            self._seen = []
            sources.append(self._seen)
        self._seen.append(text)
        real_write(self, text)

    def finish(self, sink=None):
        if len(sources) == 1:
            self.abort()
            raise RenderFailed("Graphviz failed: trouble in init_rank")
        return real_finish(self, sink)

    monkeypatch.setattr(r.GraphvizRun, "write", write)
    monkeypatch.setattr(r.GraphvizRun, "finish", finish)
    svg = render(SHOP, "dependencies").content
    first, second = ("".join(s) for s in sources)
    assert "cluster_domain:ordering" in first and "cluster_domain:ordering" not in second
    assert b"Ordering" in svg  # the domain moved into the node labels


def test_the_team_summary_counts_interactions_in_plain_words():
    d = build_diagram(generated(200), "teams")
    notes = [line for e in d.edges for line in e.notes]
    assert any("data accesses" in line for line in notes) or any(
        "1 data access" in line for line in notes
    )
    assert not any("accesss" in line for line in notes)


def test_a_tooltip_lists_twelve_findings_and_counts_the_rest():
    findings = [F(f"rule-{i}", "warning", "payments", ["payments"], f"m{i}") for i in range(30)]
    d = build_diagram(SHOP, "dependencies", findings=findings)
    node = d.nodes["payments"]
    assert node.notes[0] == "[warning] rule-0: m0" and len(node.notes) == 12
    assert node.more_notes == 18 and node.severity == "warning"
    svg = render(SHOP, "dependencies", findings=findings).content
    assert "… and 18 more" in _xml(_g(svg, "node-payments"))


def test_findings_drawn_elsewhere_are_not_piled_on_the_folded_internal_services():
    model = generated(200)
    findings = check_model(model).findings
    d = build_diagram(model, "context", findings=findings)
    folded = next(n for n in d.nodes.values() if n.kind == "collapsed")
    assert not any("(see another view)" in note for note in folded.notes)
    assert d.hidden_findings > 0  # still counted in the legend


def test_graphviz_failing_or_timing_out_while_the_dot_is_still_written_is_a_clear_error():
    from apps.diagrams.render.engine import GraphvizRun

    with GraphvizRun("svg") as run, pytest.raises(RenderFailed, match="Graphviz failed"):
        run.write("digraph { a -> ; }\n")  # a syntax error, then far more than a pipe holds
        run.write_all(f'"n{i}" -> "n{i + 1}";\n' for i in range(100_000))
        run.finish()
    with GraphvizRun("svg", timeout=0.2) as run, pytest.raises(RenderTimeout):
        run.write("digraph {\n")
        run.write_all(f'"n{i}" -> "n{(i * 7919) % 5000}";\n' for i in range(20_000))
        run.write("}\n")
        run.finish()


def test_the_svg_is_the_same_whether_streamed_or_drawn_from_the_whole_dot():
    from apps.diagrams.render.svg import finish_svg

    findings = check_model(SHOP).findings
    result = render(SHOP, "dependencies", findings=findings)
    diagram = build_diagram(SHOP, "dependencies", findings=findings)
    whole = finish_svg(run_graphviz(diagram_dot(diagram)[0], "svg"), diagram)
    assert result.content == whole


@pytest.mark.parametrize("model", [SHOP, generated(200)], ids=["dot", "neato"])
def test_the_legend_title_is_never_drawn_over_its_first_row(model):
    svg = render(model, "teams").content
    assert [t.text for t in svg_root(svg).iter(f"{SVG}text")].count("Legend") == 1
    texts = [(t.text, float(t.get("y"))) for t in _g(svg, "legend").iter(f"{SVG}text")]
    title = next(y for text, y in texts if text == "Legend")
    assert all(y - title >= 9 for text, y in texts if text != "Legend")  # rows of 9-point text


def test_a_bad_filter_stops_the_graphviz_process_it_started(monkeypatch):
    import apps.diagrams.render as r

    started = []

    class Recorded(r.GraphvizRun):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(r, "GraphvizRun", Recorded)
    with pytest.raises(DiagramInputError):
        render(SHOP, "dependencies", filters=Filters(domain="no-such-domain"))
    assert len(started) == 1 and started[0]._proc.poll() is not None


def test_sfdp_gets_one_graph_not_thousands_of_components():
    """sfdp lays out each component on its own, at a cost that grows with the whole graph."""
    from apps.diagrams.render.dot import LINK_COMPONENTS_ABOVE, Layout, to_dot
    from apps.diagrams.render.graph import Diagram, Edge, Node

    def pairs(n: int) -> Diagram:
        d = Diagram(view="data", title="t")
        for i in range(n):  # n components: a service and its datastore, in 3 domains
            d.add_node(Node(id=f"s{i}", label=f"s{i}", kind="service", cluster=f"d{i % 3}"))
            d.add_node(Node(id=f"db{i}", label=f"db{i}", kind="datastore", cluster=f"d{i % 3}"))
            d.add_edge(Edge(src=f"s{i}", dst=f"db{i}", kind="own"))
        return d

    sfdp = Layout("sfdp", False, "false", 1.0, 0.3, clusters=False)
    many = to_dot(pairs(LINK_COMPONENTS_ABOVE + 10), sfdp)
    assert many.count('"_link_') >= LINK_COMPONENTS_ABOVE + 10 and "style=invis" in many
    hubs = {line.split('"')[1] for line in many.splitlines() if line.startswith('  "_link_')}
    assert hubs == {"_link_0", "_link_1", "_link_2"}  # one per domain
    drawn = run_graphviz(many, "svg")
    # Every service and datastore, and the legend; the hubs are not drawn.
    assert drawn.count(b'class="node') == 2 * (LINK_COMPONENTS_ABOVE + 10) + 1
    assert "_link_" not in to_dot(pairs(5), sfdp)  # few components: nothing added
    assert "_link_" not in to_dot(pairs(LINK_COMPONENTS_ABOVE + 10))  # dot: nothing added


def test_a_direction_overrides_the_views_own_and_an_unknown_one_is_refused():
    from apps.archmodel import load_model
    from apps.diagrams.render import DiagramInputError, Filters, build_diagram
    from tests.support import DEMO_COPY

    model = load_model(DEMO_COPY.read_bytes())
    assert build_diagram(model, "dependencies").rankdir == "LR"
    assert build_diagram(model, "dependencies", filters=Filters(direction="TB")).rankdir == "TB"
    assert Filters(direction="TB").key() != Filters().key()
    with pytest.raises(DiagramInputError, match="unknown direction"):
        build_diagram(model, "dependencies", filters=Filters(direction="up"))
