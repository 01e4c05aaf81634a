"""Helpers for the diagram tests: example models, a hostile model, SVG structure for goldens."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from apps.archmodel import Model, load_model, model_from_data
from bench.modelgen import generate
from tests.support import example_paths

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = example_paths()
GOLDEN = ROOT / "tests" / "golden" / "diagrams"
SVG = "{http://www.w3.org/2000/svg}"

HOSTILE_YAML = r"""
apiVersion: workbench/v1
name: hostile
title: "Evil \" } ] ; digraph x { <script>alert(1)</script> \\ \n & &amp; ]]> --> é ✓ 🚀"
domains:
  - id: dom
    title: "</text><script>alert('d')</script>{}"
teams:
  - id: team-a
    title: "Team \"A\" \\N \\G \\l"
actors:
  - id: user
    title: "<img src=x onerror=alert(1)>"
    calls: [gw]
services:
  - id: gw
    kind: gateway
    title: "Gate\nway \" onload=\"alert(1)"
    team: team-a
    routes:
      - {path: "/api/\"}{<script>", to: svc}
  - id: svc
    title: "Svc } -> { \"x\" [label=<b>pwned</b>]"
    domain: dom
    team: team-a
    calls: [{to: ext, timeout_ms: 100}]
    publishes: [evt]
    data: [db]
  - id: ext
    kind: external
    title: "javascript:alert(1) \u202e right-to-left \u0007 bell"
datastores:
  - {id: db, title: "DB <![CDATA[ x ]]> &lt;", kind: postgres, owner: svc}
brokers:
  - {id: bus, title: "Bus \\\" \\\\", kind: kafka}
events:
  - {id: evt, broker: bus, title: "Evt <svg onload=alert(1)>", channel: "a\"b{c}"}
"""


def example_models() -> list[tuple[str, Model]]:
    return [(p.stem, load_model(p.read_bytes())) for p in EXAMPLES]


def generated(n: int) -> Model:
    return model_from_data(generate(n))


def hostile() -> Model:
    return load_model(HOSTILE_YAML.encode())


def svg_root(svg: bytes) -> ET.Element:
    text = svg.split(b"?>", 1)[1] if svg.startswith(b"<?xml") else svg
    return ET.fromstring(text)


def _stroke(g: ET.Element) -> str | None:
    for el in g.iter():
        if el.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}polyline"):
            stroke = el.get("stroke")
            if stroke and stroke not in ("transparent", "none"):
                return stroke
    return None


def svg_structure(svg: bytes) -> dict[str, Any]:
    """What the goldens keep: ids, classes, data-ids, and the colour of flagged elements."""
    out: dict[str, list[dict[str, Any]]] = {"nodes": [], "edges": [], "clusters": []}
    for g in svg_root(svg).iter(f"{SVG}g"):
        cls = g.get("class", "")
        kind = cls.split(" ", 1)[0]
        bucket = {"node": "nodes", "edge": "edges", "cluster": "clusters"}.get(kind)
        if bucket is None:
            continue
        row: dict[str, Any] = {"id": g.get("id"), "class": cls}
        if g.get("data-id"):
            row["data-id"] = g.get("data-id")
        if g.get("data-severity"):
            row["severity"] = g.get("data-severity")
            row["stroke"] = _stroke(g)
        out[bucket].append(row)
    for rows in out.values():
        rows.sort(key=lambda r: r["id"] or "")
    return out
