"""Reads of large models stay cheap: a permission check loads no model document, listing jobs
costs the same for any model size, and a read never writes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.architectures.selectors import architecture_get_for
from apps.exports.models import ExportJob
from tests.apps.workspaces.personas import World

pytestmark = pytest.mark.django_db

DOCUMENT_COLUMN = '"architectures_architecture"."document"'


def selects_document(queries: list[dict]) -> list[str]:
    return [q["sql"] for q in queries if DOCUMENT_COLUMN in q["sql"]]


def test_a_permission_check_loads_no_model_document(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        for need in ("viewer", "editor", "owner"):
            architecture_get_for(principal=world.owner, architecture_id=world.arch.pk, need=need)
    assert len(ctx.captured_queries) > 0 and selects_document(ctx.captured_queries) == []


def test_an_element_op_loads_no_model_document_when_the_model_is_cached(world: World) -> None:
    world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/findings")  # builds the model
    op = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 5}}]
    with CaptureQueriesContext(connection) as ctx:
        response = world.call(
            "editor",
            "post",
            f"/api/v1/models/{world.arch.pk}/ops",
            data=op,
            content_type="application/json",
        )
    assert response.status_code == 200 and response.json()["changed"] is True
    assert selects_document(ctx.captured_queries) == []


def count_before(world: World) -> int:
    return ExportJob.objects.filter(architecture=world.arch).count()


def list_jobs(world: World, count: int) -> tuple[int, list[str]]:
    ExportJob.objects.bulk_create(
        ExportJob(
            architecture=world.arch,
            revision=world.arch.revision,
            content_hash=world.arch.content_hash,
            target="all",
        )
        for _ in range(count)
    )
    world.client("viewer")  # signed in before counting
    with CaptureQueriesContext(connection) as ctx:
        response = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/exports")
    assert response.status_code == 200 and len(response.json()) == count_before(world)
    return len(ctx.captured_queries), selects_document(ctx.captured_queries)


def test_listing_twenty_jobs_reads_no_document_and_costs_what_listing_one_does(
    world: World,
) -> None:
    one, docs_one = list_jobs(world, 1)
    twenty, docs_twenty = list_jobs(world, 19)
    assert docs_one == docs_twenty == []
    assert twenty == one


def test_reading_jobs_never_writes_or_enqueues(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from apps.exports import services

    monkeypatch.setattr(services, "_enqueue", lambda job_id: pytest.fail("a read enqueued"))
    job = ExportJob.objects.create(
        architecture=world.arch,
        revision=world.arch.revision,
        content_hash=world.arch.content_hash,
        target="all",
        state="running",
    )
    with CaptureQueriesContext(connection) as ctx:
        for path in (
            f"/api/v1/exports/{job.pk}",
            f"/api/v1/models/{world.arch.pk}/exports",
            f"/api/v1/exports/{job.pk}/download",
        ):
            world.call("viewer", "get", path)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
        and "exports_exportjob" in q["sql"]
    ]
    assert writes == []
