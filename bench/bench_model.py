"""Loading and structure-checking generated models: parse, validate, build, and dump."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.archmodel import Limits, dump_yaml, load_model
from bench.modelgen import generate, generate_yaml, relation_count

SIZES = (500, 5_000, 20_000)


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> list[dict]:
    rows = []
    for n in SIZES:
        text = generate_yaml(n)
        relations = relation_count(generate(n))
        limits = Limits.unlimited()
        model = load_model(text, limits=limits)
        repeat = 3 if n <= 5_000 else 1
        load = best_of(repeat, lambda text=text, limits=limits: load_model(text, limits=limits))
        dump = best_of(repeat, lambda model=model: dump_yaml(model))
        rows.append(
            {
                "bench": "model load (parse+validate+build)",
                "services": n,
                "relations": relations,
                "bytes": len(text),
                "seconds": load,
                "us_per_service": load / n * 1e6,
            }
        )
        rows.append(
            {
                "bench": "model dump (canonical YAML)",
                "services": n,
                "relations": relations,
                "bytes": len(text),
                "seconds": dump,
                "us_per_service": dump / n * 1e6,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
