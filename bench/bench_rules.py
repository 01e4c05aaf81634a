"""Rule engine benchmarks: every rule over generated models of 500 / 5,000 / 20,000 services
(in-process), and ``POST /api/v1/validate`` with a 5,000-service YAML through Django's test
client (parse + validate + check + JSON). Targets: 5,000 services in < 1 s in-process, the API
call in < 3 s. Run with ``python bench/run.py rules`` or ``python bench/bench_rules.py``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.archmodel import Limits, model_from_data
from apps.rules.engine import check_model
from apps.rules.testing import generate_document, generate_yaml

SIZES = (500, 5_000, 20_000)


def _best(fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_engine() -> list[dict]:
    rows = []
    for n in SIZES:
        model = model_from_data(generate_document(n), limits=Limits.unlimited())
        seconds, report = _best(
            lambda model=model: check_model(model), repeat=3 if n < 20_000 else 1
        )
        rows.append(
            {"name": "check_model", "size": n, "seconds": seconds, "findings": len(report.findings)}
        )
    return rows


def bench_api(n: int = 5_000) -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.WORKBENCH_VALIDATE_RATE = ""
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        user = User.objects.create_user("bench", password="bench-password-123")
        client = Client()
        client.force_login(user)
        source = generate_yaml(n).encode()

        def post():
            resp = client.post("/api/v1/validate", data=source, content_type="application/yaml")
            assert resp.status_code == 200, resp.content[:500]
            return resp

        seconds, resp = _best(post, repeat=3)
        import json

        findings = len(json.loads(resp.content)["findings"])
        return [
            {
                "name": "POST /api/v1/validate",
                "size": n,
                "seconds": seconds,
                "findings": findings,
                "bytes": len(source),
            }
        ]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> list[dict]:
    return bench_engine() + bench_api()


if __name__ == "__main__":
    for row in run():
        print(row)
