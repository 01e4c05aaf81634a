"""Diagrams coloured by blast radius: each element filled by the share of journeys its failure
fails, with the counts in its tooltip and the scale in the legend."""

from __future__ import annotations

from pathlib import Path

from apps.analysis import Analysis
from apps.archmodel import load_model
from apps.diagrams.render import build_diagram, diagram_dot
from workbench.cli import main

MINI = Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml"


def _diagram():
    model = load_model(MINI.read_bytes())
    an = Analysis(model)
    return build_diagram(model, "dependencies", blast=(an.blast_radius, len(an.journeys)))


def test_nodes_take_the_level_of_the_share_of_journeys_their_failure_fails():
    d = _diagram()
    # gw fails 2 of 2 journeys (level 4); stock and payments 1 of 2 (level 2).
    assert d.nodes["gw"].heat == 4
    assert d.nodes["stock"].heat == d.nodes["payments"].heat == 2
    assert (
        "[blast radius] stock down fails 1 and degrades 1 of 2 journeys" in d.nodes["stock"].notes
    )


def test_the_dot_fills_heated_nodes_and_the_legend_explains_the_scale():
    source, _ = diagram_dot(_diagram())
    gw = next(line for line in source.splitlines() if line.strip().startswith('"gw"'))
    assert "wb-heat-4" in gw and 'fillcolor="#756bb1"' in gw
    assert "its failure fails over 3/4 of 2 journeys" in source


def test_without_blast_radius_nothing_is_heated():
    model = load_model(MINI.read_bytes())
    d = build_diagram(model, "dependencies")
    assert all(n.heat == 0 for n in d.nodes.values()) and d.heat_journeys == 0
    assert "wb-heat" not in diagram_dot(d)[0]


def test_the_cli_colours_by_blast_radius(tmp_path):
    out = tmp_path / "d.dot"
    assert (
        main(["diagram", str(MINI), "--colour", "blast-radius", "--format", "dot", "-o", str(out)])
        == 0
    )
    assert "wb-heat-4" in out.read_text()


# --- over HTTP ----------------------------------------------------------------------------

import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402

from tests.apps.workspaces.personas import ROLES, World, expected_status  # noqa: E402


@pytest.fixture
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _url(world: World, query: str) -> str:
    return f"/api/v1/models/{world.arch.pk}/diagrams/dependencies.dot?{query}"


@pytest.mark.usefixtures("_fresh_cache")
@pytest.mark.parametrize("persona", list(ROLES))
def test_a_stored_models_diagram_coloured_by_blast_radius_follows_permissions(world, persona):
    res = world.call(persona, "get", _url(world, "colour=blast-radius"))
    expected = expected_status(persona, "viewer")
    if expected != "ok":
        assert res.status_code == int(expected)
        return
    assert res.status_code == 200
    # The demo's gateway is on all three journeys' required path.
    assert b'class="wb-node wb-gateway wb-heat-4"' in res.content
    plain = world.call(persona, "get", _url(world, ""))
    assert b"wb-heat" not in plain.content  # its own cache entry


@pytest.mark.usefixtures("_fresh_cache")
def test_an_unknown_colour_is_422(world):
    res = world.call("viewer", "get", _url(world, "colour=rainbow"))
    assert res.status_code == 422 and "unknown colour" in res.json()["detail"]


@pytest.mark.usefixtures("_fresh_cache")
def test_a_queued_diagram_keeps_its_colour(world, settings, django_capture_on_commit_callbacks):
    settings.WORKBENCH_DIAGRAM_INLINE_MAX_NODES = 3
    url = f"/api/v1/models/{world.arch.pk}/diagrams/dependencies.svg?colour=blast-radius"
    with django_capture_on_commit_callbacks(execute=True):
        res = world.call("viewer", "get", url)
    assert res.status_code == 202
    polled = world.call("viewer", "get", res.json()["url"]).json()
    picture = world.call("viewer", "get", polled["result_url"])
    assert picture.status_code == 200 and b"wb&#45;heat&#45;4" in picture.content  # SVG escapes -


@pytest.mark.usefixtures("_fresh_cache")
def test_a_posted_file_can_be_coloured_by_blast_radius(world):
    res = world.call(
        "viewer_token",
        "post",
        "/api/v1/diagrams/dependencies?format=dot&colour=blast-radius",
        data=MINI.read_bytes(),
        content_type="application/yaml",
    )
    assert res.status_code == 200 and b"wb-heat-4" in res.content
