"""Resilience analysis benchmarks (ANALYSIS.md), in-process, on generated models of 500 /
5,000 / 20,000 services (``modelgen.generate``, ~1 gateway route per 20 services, so 25 /
250 / 1,000 implicit journeys plus the actor's):

- ``analyse``: the whole ``workbench analyse`` JSON (journeys, blast radius, journey rules);
- ``blast_radius``: the full blast radius of every internal service, datastore and broker;
- ``simulate``: a fresh analysis and one ``simulate(fail, slow)`` of the top blast-radius
  element (every element's state included).

modelgen's few random back edges join up to 155 services in one cycle at 20,000, whose
path-dependent unfolding the analysis refuses (a limit, as for any such model); here calls
back more than 3 services are dropped, so cycles stay small, as in real systems.
Goal: blast radius on 5,000 services < 2 s. Run with ``python bench/run.py analysis``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.analysis import Analysis, analyse_model
from apps.archmodel import Limits, model_from_data
from bench.modelgen import generate

SIZES = (500, 5_000, 20_000)


def analysis_document(n: int) -> dict:
    doc = generate(n)
    index = {s["id"]: i for i, s in enumerate(doc["services"])}
    for i, s in enumerate(doc["services"]):
        if "calls" in s:
            s["calls"] = [c for c in s["calls"] if index[c["to"]] >= i - 3]
    return doc


def _best(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run() -> list[dict]:
    rows = []
    for n in SIZES:
        model = model_from_data(analysis_document(n), limits=Limits.unlimited())
        repeat = 3 if n < 20_000 else 1
        seconds, result = _best(lambda model=model: analyse_model(model), repeat)
        rows.append(
            {
                "name": "analyse",
                "size": n,
                "seconds": seconds,
                "journeys": len(result["journeys"]),
                "findings": len(result["findings"]),
            }
        )

        def blast(model=model):
            an = Analysis(model)
            return an, an.blast_radius

        seconds, (an, radius) = _best(blast, repeat)
        rows.append(
            {
                "name": "blast_radius",
                "size": n,
                "seconds": seconds,
                "journeys": len(an.journeys),
                "tree_nodes": len(an.unfolded),
                "entries": sum(len(r["failed"]) + len(r["degraded"]) for r in radius),
            }
        )
        target = radius[0]["element"]
        seconds, _ = _best(
            lambda model=model, target=target: Analysis(model).simulate([target], {}), repeat
        )
        rows.append(
            {"name": "simulate", "size": n, "seconds": seconds, "journeys": len(an.journeys)}
        )
    return rows


if __name__ == "__main__":
    from bench.run import table

    print(table(run()))
