"""Model text cannot break the DOT or put script into the SVG."""

from __future__ import annotations

import re

import pytest

from apps.diagrams.render import VIEWS, render, svg_is_safe
from apps.diagrams.render.dot import html_text, quote
from apps.rules.engine import check_model

from .support import SVG, hostile, svg_root

MODEL = hostile()
FINDINGS = check_model(MODEL).findings


@pytest.mark.parametrize("view", list(VIEWS))
def test_a_hostile_model_renders_safely_in_every_view(view):
    svg = render(MODEL, view, findings=FINDINGS).content
    assert svg_is_safe(svg)
    root = svg_root(svg)
    for el in root.iter():
        assert el.tag.rsplit("}", 1)[-1].lower() not in {"script", "foreignobject", "iframe"}
        assert not any(a.rsplit("}", 1)[-1].lower().startswith("on") for a in el.attrib)
    assert not re.search(rb"<script", svg, re.I)
    # The text survived, as text.
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "<script>" in texts or view in ("events", "data")


def test_titles_are_shown_literally():
    svg = render(MODEL, "dependencies").content
    texts = [t.text or "" for t in svg_root(svg).iter(f"{SVG}text")]
    assert any("[label=<b>pwned</b>]" in t for t in texts)
    assert any("<img src=x" in t for t in texts)
    # A bidi override cannot reorder what people read.
    assert not any("\u202e" in t for t in texts)


def test_quoting_escapes_every_dot_metacharacter():
    assert quote('a"b') == '"a\\"b"'
    assert quote("a\\N") == '"a\\\\N"'
    assert quote("x\ny") == '"x\\ny"'
    assert quote("a & b") == '"a &amp; b"'
    assert quote("bell\x07") == '"bell"'
    assert html_text('<b>&"') == "&lt;b&gt;&amp;&quot;"


def test_the_dot_output_is_one_graph():
    dot = render(MODEL, "dependencies", fmt="dot").content.decode()
    assert dot.count("digraph") == 1 + dot.count("digraph x")


def test_svg_guard_rejects_script_and_event_handlers():
    assert not svg_is_safe(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
    assert not svg_is_safe(b'<svg xmlns="http://www.w3.org/2000/svg"><g onclick="x"/></svg>')
    assert svg_is_safe(b'<svg xmlns="http://www.w3.org/2000/svg"><g id="a"/></svg>')


def test_the_fast_svg_path_matches_the_structural_one_and_defers_to_it_when_in_doubt():
    from apps.diagrams.render import build_diagram, diagram_dot
    from apps.diagrams.render.engine import run_graphviz
    from apps.diagrams.render.svg import _finish_svg_tree, finish_svg

    from .support import svg_structure

    diagram = build_diagram(MODEL, "dependencies", findings=FINDINGS)
    source, _ = diagram_dot(diagram)
    raw = run_graphviz(source, "svg")
    assert svg_structure(finish_svg(raw, diagram)) == svg_structure(_finish_svg_tree(raw, diagram))
    poisoned = raw.replace(b"<g id=", b'<g onload="alert(1)" id=', 1)
    cleaned = finish_svg(poisoned, diagram)
    assert svg_is_safe(cleaned) and b'onload="alert(1)"' not in cleaned


@pytest.mark.parametrize("size", [1, 7, 997, 16384])
def test_the_svg_sanitised_as_it_arrives_equals_the_whole_one(size):
    """Graphviz's output arrives in pieces of any size; the result never depends on them."""
    from apps.diagrams.render import build_diagram, diagram_dot
    from apps.diagrams.render.engine import run_graphviz
    from apps.diagrams.render.svg import SvgFinisher, finish_svg

    diagram = build_diagram(MODEL, "dependencies", findings=FINDINGS)
    raw = run_graphviz(diagram_dot(diagram)[0], "svg")
    poisoned = raw.replace(b"<g id=", b'<g onload="alert(1)" id=', 1)
    for svg in (raw, poisoned):
        finisher = SvgFinisher(diagram)
        for i in range(0, len(svg), size):
            finisher.feed(svg[i : i + size])
        streamed = finisher.close()
        assert streamed == finish_svg(svg, diagram)
        assert svg_is_safe(streamed) and b'onload="alert(1)"' not in streamed
        assert b'data-id="' in streamed


def test_an_unexpected_entity_or_style_takes_the_structural_path():
    from apps.diagrams.render import build_diagram, diagram_dot
    from apps.diagrams.render.engine import run_graphviz
    from apps.diagrams.render.svg import finish_svg

    diagram = build_diagram(MODEL, "dependencies", findings=FINDINGS)
    raw = run_graphviz(diagram_dot(diagram)[0], "svg")
    sneaky = raw.replace(b"<g id=", b'<g style="fill:u&#114;l(http://x)" id=', 1)
    cleaned = finish_svg(sneaky, diagram)
    assert b"&#114;" not in cleaned and b"http://x" not in cleaned
    assert svg_is_safe(cleaned)
