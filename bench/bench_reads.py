"""Reads on large models: listing 20 export jobs through the API, and the permission check one
element op makes, on a 10- and a 5,000-service model (SQLite). Neither loads the model
document, so both must cost the same at either size (issue 12: they took 5.6-9.5 s before).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.django_setup import setup_django

SIZES = (10, 5_000)
REPEAT = 5
JOBS = 20


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from django.contrib.auth.models import User
        from django.test import Client

        from apps.architectures.selectors import _cache, architecture_get_for
        from apps.architectures.services import architecture_create
        from apps.exports.models import ExportJob
        from apps.workspaces.models import Role
        from apps.workspaces.principal import Principal
        from apps.workspaces.services import token_create, workspace_create
        from bench.modelgen import generate

        user, _ = User.objects.get_or_create(username="bench-reads")
        actor = Principal(user=user)
        workspace = workspace_create(name=f"bench-{time.time_ns()}", owner=user)
        _row, raw = token_create(
            workspace=workspace, name="bench", role=Role.EDITOR, created_by=user
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")
        rows = []
        for n in SIZES:
            document = generate(n)
            document["name"] = f"bench-reads-{n}"
            arch = architecture_create(workspace=workspace, actor=actor, source=document)
            ExportJob.objects.bulk_create(
                ExportJob(
                    architecture=arch,
                    revision=arch.revision,
                    content_hash=arch.content_hash,
                    target="all",
                )
                for _ in range(JOBS)
            )
            listing, check = [], []
            for _ in range(REPEAT):
                _cache.clear()  # as a fresh web process finds it
                start = time.perf_counter()
                response = client.get(f"/api/v1/models/{arch.pk}/exports")
                listing.append(time.perf_counter() - start)
                assert response.status_code == 200 and len(response.json()) == JOBS, (
                    response.status_code,
                    response.content[:300],
                )
                _cache.clear()
                start = time.perf_counter()
                architecture_get_for(principal=actor, architecture_id=arch.pk, need="editor")
                check.append(time.perf_counter() - start)
            size = len(document["services"])
            rows.append(
                {
                    "name": f"reads: list {JOBS} export jobs (API)",
                    "size": size,
                    "seconds": min(listing),
                }
            )
            rows.append(
                {
                    "name": "reads: permission check of one element op",
                    "size": size,
                    "seconds": min(check),
                }
            )
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)
