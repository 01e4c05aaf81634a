"""Golden files of SVG structure (node/edge ids and classes, flagged colours; not pixels).

Regenerate with `UPDATE_GOLDEN=1 pytest tests/apps/diagrams/test_golden.py` and review the diff.
"""

from __future__ import annotations

import datetime
import json
import os

import pytest

from apps.diagrams.render import VIEWS, Filters, render
from apps.rules.engine import check_model

from .support import GOLDEN, example_models, hostile, svg_structure

TODAY = datetime.date(2026, 1, 15)  # findings depend on the date (suppression expiry)
CASES = [(name, model, view, None) for name, model in example_models() for view in VIEWS]
CASES += [
    ("shop-ordering", dict(example_models())["shop"], "dependencies", Filters(domain="ordering"))
]
CASES += [("hostile", hostile(), view, None) for view in ("dependencies", "events")]


@pytest.mark.parametrize("name,model,view,filters", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_svg_structure_matches_the_golden_file(name, model, view, filters):
    findings = check_model(model, today=TODAY).findings
    svg = render(model, view, findings=findings, filters=filters).content
    actual = json.dumps(svg_structure(svg), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    path = GOLDEN / f"{name}-{view}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if os.environ.get("UPDATE_GOLDEN") != "1":
            pytest.fail(f"wrote missing golden {path.name}; review it and rerun")
    assert actual == path.read_text(encoding="utf-8")
