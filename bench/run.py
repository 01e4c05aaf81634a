"""Benchmark driver: runs every bench/bench_*.py and prints one table.

A benchmark module exposes `run() -> list[dict]`; each dict is one row (e.g. {"bench": "parse",
"elements": 20000, "seconds": 0.41}). Columns are the union of the rows' keys, in first-seen
order. Run with `make bench`, or `python bench/run.py [name-substring ...]` to pick some.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def discover(filters: list[str]) -> list[Path]:
    paths = sorted(BENCH_DIR.glob("bench_*.py"))
    return [p for p in paths if not filters or any(f in p.stem for f in filters)]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    cells = [[fmt(row.get(col, "")) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    lines = ["  ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append(
            "  ".join(
                c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)
            )
        )
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings.local")
    paths = discover(argv)
    if not paths:
        print("no benchmarks found (add bench/bench_<name>.py exposing run() -> list[dict])")
        return 0
    rows: list[dict[str, Any]] = []
    for path in paths:
        started = time.perf_counter()
        module_rows = load(path).run()
        elapsed = time.perf_counter() - started
        rows += [{"module": path.stem.removeprefix("bench_"), **row} for row in module_rows]
        print(f"{path.stem}: {len(module_rows)} rows in {elapsed:.2f}s", file=sys.stderr)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
