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

- ``journey_view``: the editor's journey view (``view=journey``, SVG through Graphviz, analysis
  included) of the demo's checkout and of the 500-service model's largest journey tree.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.analysis import Analysis, analyse_model
from apps.archmodel import Limits, load_model, model_from_data
from apps.diagrams.render import Filters, render
from bench.modelgen import generate

SIZES = (500, 5_000, 20_000)
DEMO = Path(__file__).resolve().parent.parent / "apps" / "architectures" / "demo" / "shop.yaml"


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
        if n == SIZES[0]:
            # The largest tree: the journey that reaches the most elements.
            biggest = max(an.journeys, key=lambda j: (j.reached.bit_count(), j.spec.id))
            rows.append(journey_row(model, biggest.spec.id, n))
    rows.insert(0, journey_row(load_model(DEMO.read_bytes()), "checkout", "demo"))
    return rows


def journey_row(model, journey: str, size) -> dict:
    """The journey view as the API draws it: a fresh analysis, the tree, Graphviz, the SVG."""
    seconds, result = _best(
        lambda: render(model, "journey", filters=Filters(journey=journey), timeout=120), 3
    )
    return {
        "name": "journey_view",
        "size": size,
        "seconds": seconds,
        "journey": journey,
        "nodes": result.nodes,
        "edges": result.edges,
    }


if __name__ == "__main__":
    from bench.run import table

    print(table(run()))
