"""Imports: time to import generated compose files and Kubernetes manifests.

- ``compose <n> services``: a compose file with ``n`` application services (each depending on
  its neighbour and on one of ``n/10`` postgres datastores through ``DATABASE_URL``, with a
  health check, replicas, published ports for every tenth, and a shared ``x-common`` anchor
  merged into each service). Bar: 1,000 services in < 2 s. ``size`` is the file's bytes.
- ``kubernetes <n> workloads``: a Deployment + Service per workload, env host names between
  neighbours.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.imports.importers import SourceFile, import_files  # noqa: E402

SIZES = (100, 1000)
BAR_SECONDS = 2.0


def compose_file(n: int) -> bytes:
    rows = [
        "x-common: &common",
        "  restart: unless-stopped",
        "  healthcheck:",
        "    test: [CMD, curl, -f, http://localhost:8080/healthz]",
        "services:",
    ]
    stores = max(1, n // 10)
    for i in range(stores):
        rows += [f"  db-{i}:", "    image: postgres:16"]
    for i in range(n):
        rows += [
            f"  svc-{i}:",
            "    <<: *common",
            "    image: python:3.12",
            "    deploy: {replicas: 2}",
            "    environment:",
            f"      DATABASE_URL: postgres://u:p@db-{i % stores}:5432/x",
            f"      NEXT_URL: http://svc-{(i + 1) % n}:8080",
        ]
        if i % 10 == 0:
            rows += [f"    ports: ['{10000 + i}:8080']"]
    return ("\n".join(rows) + "\n").encode()


def manifests(n: int) -> bytes:
    docs = []
    for i in range(n):
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: svc-{i}}}\nspec:\n"
            f"  replicas: 2\n  selector: {{matchLabels: {{app: svc-{i}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: svc-{i}}}}}\n    spec:\n      containers:\n"
            f"      - name: app\n        image: node:20\n        ports: [{{containerPort: 8080}}]\n"
            f"        env: [{{name: NEXT_ADDR, value: 'svc-{(i + 1) % n}:8080'}}]\n"
            f"        readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}\n---\n"
            f"apiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}}}\nspec:\n"
            f"  selector: {{app: svc-{i}}}\n  ports: [{{port: 8080}}]\n"
        )
    return "---\n".join(docs).encode()


def _time(kind: str, content: bytes) -> float:
    start = time.perf_counter()
    import_files(kind, [SourceFile("bench.yaml", content)], max_bytes=1 << 30)
    return time.perf_counter() - start


def run() -> list[dict[str, Any]]:
    rows = []
    for n in SIZES:
        content = compose_file(n)
        rows.append(
            {
                "name": f"compose {n} services",
                "size": len(content),
                "seconds": round(_time("compose", content), 4),
            }
        )
        content = manifests(n)
        rows.append(
            {
                "name": f"kubernetes {n} workloads",
                "size": len(content),
                "seconds": round(_time("kubernetes", content), 4),
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:28} {row['size']:>10,} B {row['seconds']:>8.3f} s")
