"""Diagram rendering speed: every view of a 200- and a 1,000-service model, and our overhead.

Rows: one per (services, view) with the seconds for a full SVG render (build + Graphviz +
sanitising, findings given), the seconds plain `dot` (the same engine) takes on the same DOT
text, and our overhead over it. The two are timed alternately, best of 9 rounds (5 for renders
over half a second, 3 over 2 s), so both see the same machine. Bars: 200 services < 2 s per
view, 1,000 services < 15 s per view, overhead < 20 %; 5,000 services < 60 s (ours). Findings are computed once per model (the rule engine has its own bench).
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

# The bars are for 200 and 1,000 services; 5,000 (sfdp) is here to catch regressions
# such as sfdp laying out thousands of components one by one (100 s for the data view).
SIZES = {200: 2.0, 1000: 15.0, 5000: 60.0}
MAX_OVERHEAD = 0.20


def _row(n: int, bar: float, model: Any, findings: list[Any], view: str) -> dict[str, Any]:
    source, layout = diagram_dot(build_diagram(model, view, findings=findings))
    binary = shutil.which(layout.engine) or layout.engine

    def ours() -> Any:
        return render(model, view, findings=findings, timeout=120)

    def plain() -> None:
        subprocess.run([binary, "-Tsvg"], input=source.encode(), capture_output=True, check=True)

    # Interleaved, best of N: both sides see the same machine; fast views get more rounds.
    t = time.perf_counter()
    result = ours()  # also warms caches, as a running server would have them
    first = time.perf_counter() - t
    # Noise on a shared machine only ever adds time, so the best of several rounds converges.
    rounds = 9 if first < 0.5 else 5 if first < 2 else 3
    seconds = dot_seconds = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        result = ours()
        seconds = min(seconds, time.perf_counter() - t)
        t = time.perf_counter()
        plain()
        dot_seconds = min(dot_seconds, time.perf_counter() - t)
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
        # The overhead bar is set for 200 and 1,000 services; at 5,000 the row only watches time.
        "overhead_ok": overhead < MAX_OVERHEAD if n <= 1000 else None,
    }


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, bar in SIZES.items():
        model = model_from_data(generate(n))
        findings = check_model(model).findings
        rows += [_row(n, bar, model, findings, view) for view in VIEWS]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
