"""Diagram rendering speed: every view of a 200- and a 1,000-service model, and our overhead.

Rows: one per (services, view) with the seconds for a full SVG render (build + Graphviz +
sanitising, findings given), the seconds plain `dot` (the same engine) takes on the same DOT
text, and our overhead over it. Bars: 200 services < 2 s per view, 1,000 services < 15 s per
view, overhead < 20 %. Findings are computed once per model (the rule engine has its own bench).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apps.archmodel import model_from_data  # noqa: E402
from apps.diagrams.render import VIEWS, build_diagram, diagram_dot, render  # noqa: E402
from apps.rules.engine import check_model  # noqa: E402
from bench.modelgen import generate  # noqa: E402

SIZES = {200: 2.0, 1000: 15.0}
MAX_OVERHEAD = 0.20


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _row(
    n: int, bar: float, model: Any, findings: list[Any], view: str, repeat: int
) -> dict[str, Any]:
    results = []
    seconds = _best(
        lambda: results.append(render(model, view, findings=findings, timeout=120)), repeat
    )
    result = results[-1]
    source, layout = diagram_dot(build_diagram(model, view, findings=findings))
    binary = shutil.which(layout.engine) or layout.engine
    dot_seconds = _best(
        lambda: subprocess.run(
            [binary, "-Tsvg"], input=source.encode(), capture_output=True, check=True
        ),
        repeat,
    )
    overhead = (seconds - dot_seconds) / dot_seconds if dot_seconds else 0.0
    return {
        "bench": f"diagram-{view}",
        "services": n,
        "nodes": result.nodes,
        "edges": result.edges,
        "engine": result.engine,
        "seconds": seconds,
        "bar_s": bar,
        "ok": seconds < bar,
        "plain_dot_s": dot_seconds,
        "extra_ms": round((seconds - dot_seconds) * 1000, 1),
        "overhead": round(overhead, 3),
        "overhead_ok": overhead < MAX_OVERHEAD,
    }


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, bar in SIZES.items():
        model = model_from_data(generate(n))
        findings = check_model(model).findings
        repeat = 5 if n <= 200 else 2
        rows += [_row(n, bar, model, findings, view, repeat) for view in VIEWS]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
