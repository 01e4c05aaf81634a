"""Concurrent element ops on PostgreSQL: the row lock serialises writers, nothing is lost.

Run with: DATABASE_URL=postgres://postgres@127.0.0.1:5432/workbench pytest -m postgres
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from apps.architectures import services
from apps.architectures.models import Architecture, Revision
from apps.architectures.selectors import revision_document
from apps.archmodel.ops import apply_ops as real_apply_ops
from apps.workspaces.principal import Principal
from tests.apps.workspaces.personas import make_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs DATABASE_URL pointing to PostgreSQL",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_two_writers_on_different_elements_both_survive(make_user, monkeypatch):
    world = make_world(make_user)
    start = world.arch.revision

    def slow_apply(document, ops):
        # Widen the read-modify-write window: without the row lock, the second writer would
        # read the same old document and overwrite the first writer's change.
        result = real_apply_ops(document, ops)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(services, "apply_ops", slow_apply)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(sid: str, replicas: int, persona: str) -> None:
        try:
            barrier.wait()
            services.architecture_apply_ops(
                architecture_id=world.arch.pk,
                ops=[{"op": "update", "kind": "service", "id": sid, "set": {"replicas": replicas}}],
                actor=Principal(user=world.users[persona]),
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=("orders", 7, "owner")),
        threading.Thread(target=writer, args=("payments", 9, "editor")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    arch = Architecture.objects.get(pk=world.arch.pk)
    services_by_id = {s["id"]: s for s in arch.document["services"]}
    assert services_by_id["orders"]["replicas"] == 7
    assert services_by_id["payments"]["replicas"] == 9
    assert arch.revision == start + 2
    numbers = sorted(Revision.objects.filter(architecture=arch).values_list("number", flat=True))
    assert numbers == [start, start + 1, start + 2]
    # The last revision holds both changes: the second writer saw the first one's result.
    last = Revision.objects.get(architecture=arch, number=start + 2)
    assert revision_document(last) == arch.document
