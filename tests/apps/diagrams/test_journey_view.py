"""The journey view: one journey's dependency tree, left to right, each edge labelled with its
timeout, retries and budget share, nodes coloured by latency against the journey's target;
diamonds drawn once, cycles unfolded once (docs/analysis.md "Journey view")."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from apps.analysis import Analysis
from apps.archmodel import load_model, model_from_data
from apps.diagrams.render import (
    DiagramInputError,
    Filters,
    build_diagram,
    diagram_dot,
    render,
    svg_is_safe,
)
from workbench.cli import main

MINI = Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml"


def _mini():
    return load_model(MINI.read_bytes())


def _journey(model, journey, **kwargs):
    return build_diagram(model, "journey", filters=Filters(journey=journey), **kwargs)


def _edge(d, ref):
    found = [e for e in d.edges if e.data_id == ref]
    assert len(found) == 1, [e.data_id for e in d.edges]
    return found[0]


def _groups(svg: str) -> dict[str, dict[str, str]]:
    root = ET.fromstring(svg.split("?>", 1)[1])
    return {g.get("id", ""): dict(g.attrib) for g in root.iter("{http://www.w3.org/2000/svg}g")}


def _model(**parts):
    return model_from_data({"apiVersion": "workbench/v1", "name": "t", **parts})


# --- the worked example of ANALYSIS.md ------------------------------------------------------


def test_each_call_is_labelled_with_its_timeout_retries_and_share_of_the_target():
    d = _journey(_mini(), "checkout")
    assert d.rankdir == "LR"
    # (1 + 2) * 300 + 2 * 50 = 1,000 ms worst case, of the 400 ms target: 250 %.
    assert _edge(d, "orders->payments").label == "◷300ms ↻2 (50ms)\n≤1,000 ms · 250 %"
    # 2 * 100 ms with a breaker and a fallback: 50 %.
    assert _edge(d, "orders->stock").label == "◷100ms ↻1 ⚡ +fallback\n≤200 ms · 50 %"
    # A route costs its target's worst case: W(orders) = 1,240 ms.
    assert _edge(d, "gw->orders").label == "/orders\n≤1,240 ms · 310 %"
    assert _edge(d, "orders->orders-db").kind == "access"
    assert _edge(d, "orders->bus").kind == "publish"
    assert "Journey checkout: 185 ms, worst 1,250 ms (target 400 ms)" in d.title


def test_words_instead_of_marks_when_asked():
    d = build_diagram(_mini(), "journey", filters=Filters(journey="checkout"), symbols=False)
    assert _edge(d, "orders->stock").label.startswith("timeout 100ms retries 1 breaker +fallback")


def test_nodes_are_coloured_by_their_latency_from_there_on_against_the_target():
    d = _journey(_mini(), "checkout")
    # gw: N 185 <= 400 < W 1,250: only the worst case is over (amber); payments 120: within.
    assert d.nodes["gw"].severity == "warning"
    assert d.nodes["gw"].tags == ("latency-worst-over",)
    assert d.nodes["gw"].detail == "185 ms · ≤1,250 ms"
    assert d.nodes["payments"].severity is None
    assert d.nodes["payments"].tags == ("latency-ok",)
    assert any("behind a fallback" in n for n in d.nodes["stock"].notes)
    # browse: N = W = 25 against 50: nothing over.
    browse = _journey(_mini(), "browse")
    assert {n.severity for n in browse.nodes.values()} == {None}


def test_a_nominal_latency_over_the_target_is_red():
    model = _mini()
    doc = dict(model.document)
    doc["journeys"] = [
        {"id": "tight", "entry": "gw", "route": "/orders", "target": {"latency_ms": 100}}
    ]
    d = _journey(model_from_data(doc), "tight")
    assert d.nodes["gw"].severity == "error" and d.nodes["gw"].tags == ("latency-over",)
    assert d.nodes["payments"].severity == "error"  # 120 ms alone is over 100 ms
    assert d.nodes["stock"].severity is None
    source, _ = diagram_dot(d)
    assert "wb-latency-over" in source
    assert "nominal latency from here over the 100 ms target" in source


def test_an_actor_entry_is_hop_zero_and_its_edge_costs_the_start_nodes_worst_case():
    d = _journey(_mini(), "browse")
    assert d.nodes["shopper"].kind == "person"
    assert _edge(d, "shopper->gw").label == "≤25 ms · 50 %"
    assert _edge(d, "gw->stock").label == "/stock\n≤15 ms · 30 %"
    assert set(d.nodes) == {"shopper", "gw", "stock"}  # the calls filter is followed


def test_without_a_latency_target_shares_are_of_the_journeys_worst_case_and_nothing_is_red():
    model = _model(
        services=[
            {"id": "gw", "kind": "gateway", "routes": [{"path": "/a", "to": "a"}]},
            {"id": "a", "calls": [{"to": "b", "timeout_ms": 100}]},
            {"id": "b"},
        ],
        journeys=[{"id": "j", "entry": "gw", "route": "/a"}],
    )
    d = _journey(model, "j")
    # W = 20 + 20 + 100 = 140; the call's 100 ms is 71 % of it.
    assert _edge(d, "a->b").label == "◷100ms\n≤100 ms · 71 %"
    assert {n.severity for n in d.nodes.values()} == {None}
    assert "no latency target" in diagram_dot(d)[0]


# --- diamonds and cycles --------------------------------------------------------------------


def _diamonds(depth: int):
    """gw -> s0; each si calls li and ri, which both call s(i+1): 2^depth paths to the end."""
    services = [{"id": "gw", "kind": "gateway", "routes": [{"path": "/", "to": "s0"}]}]
    for i in range(depth):
        services += [
            {"id": f"s{i}", "calls": [{"to": f"l{i}"}, {"to": f"r{i}"}]},
            {"id": f"l{i}", "calls": [{"to": f"s{i + 1}", "timeout_ms": 50}]},
            {"id": f"r{i}", "calls": [{"to": f"s{i + 1}", "timeout_ms": 50}]},
        ]
    services.append({"id": f"s{depth}"})
    return _model(services=services, journeys=[{"id": "deep", "entry": "gw", "route": "/"}])


def test_a_shared_subtree_is_drawn_once():
    d = _journey(_diamonds(1), "deep")
    assert set(d.nodes) == {"gw", "s0", "l0", "r0", "s1"}
    into = [e.data_id for e in d.edges if e.dst == "s1"]
    assert into == ["l0->s1", "r0->s1"]  # one node, both edges into it


def test_thirty_diamonds_deep_draw_linearly_not_exponentially():
    start = time.perf_counter()
    d = _journey(_diamonds(30), "deep")
    assert len(d.nodes) == 1 + 3 * 30 + 1 and len(d.edges) == 1 + 4 * 30
    assert time.perf_counter() - start < 5


def _cycle(*, timeout: int | None):
    call = {"timeout_ms": timeout} if timeout else {}
    return _model(
        actors=[{"id": "user", "calls": [{"to": "a"}, {"to": "b"}]}],
        services=[
            {"id": "a", "calls": [{"to": "b", **call}]},
            {"id": "b", "calls": [{"to": "a", **call}]},
        ],
        journeys=[
            {"id": "one", "entry": "user", "calls": ["user->a", "a->b", "b->a"]},
            {"id": "both", "entry": "user"},
        ],
    )


def test_a_cycle_is_unfolded_once_and_the_call_back_ends_at_a_cut_stub():
    d = _journey(_cycle(timeout=100), "one")
    assert set(d.nodes) == {"user", "a", "b", "_cut1"}
    stub = d.nodes["_cut1"]
    assert stub.kind == "cut" and stub.label == "↩ a" and stub.element == "a"
    back = _edge(d, "b->a")
    assert back.kind == "cut" and back.src == "b" and back.dst == "_cut1"
    # A cut call costs its timeout (100 ms); the journey's W = 20 + 100 (a's timed call to b).
    assert back.label == "◷100ms\n≤100 ms · 83 %"


def test_an_untimed_call_back_makes_the_journey_unbounded():
    d = _journey(_cycle(timeout=None), "one")
    assert _edge(d, "b->a").label == "no timeout\nunbounded"
    assert d.nodes["a"].detail == "40 ms · unbounded"
    assert "worst unbounded" in d.title


def test_an_element_reached_on_two_paths_in_a_cycle_is_drawn_once_per_path():
    model = _cycle(timeout=100)
    d = _journey(model, "both")
    # user -> a -> b -> (a), and user -> b -> a -> (b): the contract's tree, folded.
    assert set(d.nodes) == {"user", "a", "b", "b~2", "a~2", "_cut1", "_cut2"}
    assert d.nodes["a~2"].element == "a" and d.nodes["a~2"].members == ("a",)
    svg = render(model, "journey", filters=Filters(journey="both")).content.decode()
    assert svg_is_safe(svg)
    groups = _groups(svg)
    # Every node of a says data-id="a", so the editor selects the element.
    assert groups["node-a"]["data-id"] == groups["node-a~2"]["data-id"] == "a"
    assert groups["node-_cut1"]["data-id"] in ("a", "b")
    assert {g["data-kind"] for g in groups.values() if g.get("data-id") == "b->a"} == {
        "cut",
        "call",
    }


# --- blast radius, errors --------------------------------------------------------------------


def test_coloured_by_blast_radius_the_latency_colours_give_way():
    model = _mini()
    an = Analysis(model)
    d = _journey(model, "checkout", blast=(an.blast_radius, len(an.journeys)))
    assert d.nodes["gw"].heat == 4 and d.nodes["gw"].severity is None
    source, _ = diagram_dot(d)
    assert "wb-latency" not in source and "its failure fails over 3/4 of 2 journeys" in source


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(journey="nope"), "unknown journey 'nope'; choose one of checkout, browse"),
        (Filters(), "the journey view needs journey=<id>"),
        (Filters(journey="checkout", domain="x"), "takes no domain, team or focus filter"),
    ],
)
def test_bad_journey_requests_are_clear_errors(filters, message):
    with pytest.raises(DiagramInputError, match=re.escape(message)):
        build_diagram(_mini(), "journey", filters=filters)


def test_a_journey_on_another_view_is_an_error():
    with pytest.raises(DiagramInputError, match="only for the journey view"):
        build_diagram(_mini(), "dependencies", filters=Filters(journey="checkout"))


def test_the_svg_is_safe_and_names_its_view():
    svg = render(_mini(), "journey", filters=Filters(journey="checkout")).content.decode()
    assert svg_is_safe(svg)
    assert 'data-view="journey"' in svg or "wb-view-journey" in svg
    edge = next(g for g in _groups(svg).values() if g.get("data-id") == "orders->payments")
    assert edge["data-kind"] == "call"


# --- CLI ---------------------------------------------------------------------------------------


def test_the_cli_draws_a_journey(tmp_path, capsys):
    out = tmp_path / "j.dot"
    code = main(
        [
            "diagram",
            str(MINI),
            "--view",
            "journey",
            "--journey",
            "checkout",
            "--format",
            "dot",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert "≤1,000 ms · 250 %" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--view", "journey", "--journey", "nope"], "unknown journey 'nope'"),
        (["--view", "journey"], "needs journey=<id>"),
        (["--journey", "checkout"], "--journey is only for --view journey"),
    ],
)
def test_the_cli_refuses_a_bad_journey_with_exit_2(args, message, capsys):
    assert main(["diagram", str(MINI), "--format", "dot", *args]) == 2
    assert message in capsys.readouterr().err


# --- over HTTP ----------------------------------------------------------------------------

from django.core.cache import cache  # noqa: E402

from tests.apps.workspaces.personas import ROLES, World, expected_status  # noqa: E402


@pytest.fixture
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _url(world: World, query: str, fmt: str = "svg") -> str:
    return f"/api/v1/models/{world.arch.pk}/diagrams/journey.{fmt}?{query}"


@pytest.mark.usefixtures("_fresh_cache")
@pytest.mark.parametrize("persona", list(ROLES))
def test_a_stored_models_journey_view_follows_permissions(world, persona):
    res = world.call(persona, "get", _url(world, "journey=checkout"))
    expected = expected_status(persona, "viewer")
    if expected != "ok":
        assert res.status_code == int(expected)
        return
    assert res.status_code == 200 and res.headers["Content-Type"] == "image/svg+xml"
    groups = _groups(res.content.decode())
    # The demo's checkout: the gateway's route to orders, orders' call to payments.
    call = next(g for g in groups.values() if g.get("data-id") == "orders->payments")
    assert call["data-kind"] == "call"
    assert "◷1.5s ↻2 (100ms) ⚡" in res.content.decode()
    assert "wb-latency-over" in groups["node-gateway"]["class"].split()


@pytest.mark.usefixtures("_fresh_cache")
def test_the_journey_is_part_of_the_cache_key(world):
    first = world.call("viewer", "get", _url(world, "journey=checkout", "dot"))
    other = world.call("viewer", "get", _url(world, "journey=track-order", "dot"))
    assert first.status_code == other.status_code == 200
    assert b"/api/orders" in first.content and b"Web storefront" not in first.content
    assert b"Web storefront" in other.content
    again = world.call("viewer", "get", _url(world, "journey=checkout", "dot"))
    assert again.headers["X-Workbench-Cache"] == "hit" and again.content == first.content


@pytest.mark.usefixtures("_fresh_cache")
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("journey=nope", "unknown journey 'nope'"),
        ("", "the journey view needs journey=<id>"),
        ("journey=checkout&focus=orders", "takes no domain, team or focus filter"),
    ],
)
def test_a_bad_journey_request_is_422(world, query, message):
    res = world.call("viewer", "get", _url(world, query))
    assert res.status_code == 422 and message in res.json()["detail"]


@pytest.mark.usefixtures("_fresh_cache")
def test_a_journey_on_another_view_is_422(world):
    url = f"/api/v1/models/{world.arch.pk}/diagrams/dependencies.svg?journey=checkout"
    res = world.call("viewer", "get", url)
    assert res.status_code == 422 and "only for the journey view" in res.json()["detail"]


@pytest.mark.usefixtures("_fresh_cache")
def test_the_journey_view_of_a_posted_file(world):
    res = world.call(
        "viewer_token",
        "post",
        "/api/v1/diagrams/journey?format=dot&journey=checkout&colour=blast-radius",
        data=MINI.read_bytes(),
        content_type="application/yaml",
    )
    assert res.status_code == 200
    assert "≤1,000 ms · 250 %" in res.content.decode() and b"wb-heat-4" in res.content


@pytest.mark.usefixtures("_fresh_cache")
def test_a_queued_journey_view_keeps_its_journey(
    world, settings, django_capture_on_commit_callbacks
):
    settings.WORKBENCH_DIAGRAM_INLINE_MAX_NODES = 3
    with django_capture_on_commit_callbacks(execute=True):
        res = world.call("viewer", "get", _url(world, "journey=checkout"))
    assert res.status_code == 202
    polled = world.call("viewer", "get", res.json()["url"]).json()
    picture = world.call("viewer", "get", polled["result_url"])
    assert picture.status_code == 200 and "/api/orders" in picture.content.decode()


def test_openapi_documents_the_journey_view(client):
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/models/{model_id}/diagrams/{view}.{fmt}"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert "journey" in params["view"]["schema"]["enum"]
    assert "journey" in params and "journey=<id>" in op["description"]
