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
