"""Loading and structure-checking generated models: parse, validate, build, and dump."""

from __future__ import annotations

import gc
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
        result = fn()
        times.append(time.perf_counter() - start)
        del result  # freeing a large model is not part of loading it
    return min(times)


def run() -> list[dict]:
    rows = []
    for n in SIZES:
        text = generate_yaml(n)
        relations = relation_count(generate(n))
        limits = Limits.unlimited()
        repeat = 3 if n <= 5_000 else 2
        # Time loading with nothing else large alive (a previous model would double the memory
        # in use and measure the allocator, not the loader), then keep one model for the dump.
        gc.collect()
        load = best_of(repeat, lambda text=text, limits=limits: load_model(text, limits=limits))
        model = load_model(text, limits=limits)
        dump = best_of(repeat, lambda model=model: dump_yaml(model))
        del model
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
