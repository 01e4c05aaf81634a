"""Stored models: the cost of one element op on a stored model, by model size (SQLite).

One op = lock the row, apply the op, validate the whole document, append a revision (a delta
from the one before) and update the current document, all in one transaction. Validation and
the current document's write are O(model size), so this shows how a single edit grows with the
model; the last row per size shows what an edit adds to the history (`bytes`, against the
whole document's `whole_bytes`) and the cost of reading a revision stored as a delta.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.django_setup import setup_django

SIZES = (500, 5_000)
REPEAT = 5


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from django.conf import settings
        from django.contrib.auth.models import User

        from apps.architectures.fields import canonical_json
        from apps.architectures.models import Revision
        from apps.architectures.selectors import _cache, architecture_model, revision_document
        from apps.architectures.services import architecture_apply_ops, architecture_create
        from apps.workspaces.principal import Principal
        from apps.workspaces.services import workspace_create
        from bench.modelgen import generate

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
            print(
                "bench_store: not on SQLite; numbers are for",
                settings.DATABASES["default"]["ENGINE"],
            )
        user, _ = User.objects.get_or_create(username="bench")
        actor = Principal(user=user)
        workspace = workspace_create(name=f"bench-{time.time_ns()}", owner=user)
        rows = []
        for n in SIZES:
            document = generate(n)
            document["name"] = f"bench-{n}"
            arch = architecture_create(workspace=workspace, actor=actor, source=document)
            times = []
            for i in range(REPEAT):
                ops = [
                    {"op": "update", "kind": "service", "id": "svc-1", "set": {"replicas": 2 + i}}
                ]
                start = time.perf_counter()
                architecture_apply_ops(architecture_id=arch.pk, ops=ops, actor=actor)
                times.append(time.perf_counter() - start)
            arch.refresh_from_db()
            # What the editor does next: read the typed model for the findings and the picture.
            start = time.perf_counter()
            architecture_model(arch)
            after_edit = time.perf_counter() - start
            _cache.clear()  # as a new worker process finds it
            start = time.perf_counter()
            architecture_model(arch)
            cold_read = time.perf_counter() - start
            size = len(arch.document["services"])
            rows.append(
                {"name": "store: apply one element op", "size": size, "seconds": min(times)}
            )
            rows.append(
                {
                    "name": "store: typed model right after an edit (findings, picture)",
                    "size": size,
                    "seconds": after_edit,
                }
            )
            rows.append(
                {
                    "name": "store: typed model of a stored document (cold)",
                    "size": size,
                    "seconds": cold_read,
                }
            )
            # What one edit adds to the history: its delta, against the whole document.
            last = Revision.objects.get(architecture=arch, number=arch.revision)
            start = time.perf_counter()
            revision_document(last)  # replays every delta since the last snapshot
            replay = time.perf_counter() - start
            rows.append(
                {
                    "name": f"store: read revision {last.number} (replays {last.number - 1} deltas)",
                    "size": size,
                    "seconds": replay,
                    "bytes": len(canonical_json(last.delta or {})),
                    "whole_bytes": len(canonical_json(arch.document)),
                }
            )
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)
