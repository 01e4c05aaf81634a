from __future__ import annotations

import time

from apps.imports.importers import SourceFile, import_files
from bench.bench_import import compose_file


def test_a_thousand_service_compose_file_imports_every_service_and_dependency():
    """Correctness at scale; the speed bar (< 2 s) is measured by bench/bench_import.py."""
    content = compose_file(1000)
    start = time.perf_counter()
    doc, _ = import_files("compose", [SourceFile("big.yaml", content)], max_bytes=1 << 30)
    elapsed = time.perf_counter() - start
    assert len(doc["services"]) == 1000 and len(doc["datastores"]) == 100
    svc = doc["services"][5]
    assert svc["calls"] == ["svc-6"] and svc["data"] == ["db-5"]
    assert svc["replicas"] == 2 and svc["health"] == {
        "liveness": "/healthz",
        "readiness": "/healthz",
    }
    assert elapsed < 30  # only a guard against pathological (quadratic) slowness
