"""Export jobs never stay stuck: any exporter error fails the job with its message, a lost
worker is recovered by ownership (task id) and by the periodic sweep, never by a read, and a
queue that is down is a 503 that leaves no job behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.architectures.fields import canonical_json, content_hash
from apps.architectures.models import Architecture, Revision
from apps.exports import services, tasks
from apps.exports.models import ExportJob
from tests.apps.workspaces.personas import World

pytestmark = pytest.mark.django_db

JSON = "application/json"


def request_export(world: World, target: str = "all"):  # type: ignore[no-untyped-def]
    return world.call(
        "editor",
        "post",
        f"/api/v1/models/{world.arch.pk}/exports",
        data={"target": target},
        content_type=JSON,
    )


def stale() -> object:
    return timezone.now() - services.stale_after() - timedelta(seconds=1)


def test_a_stale_running_job_is_requeued_by_the_sweep_and_then_succeeds(
    world: World, django_capture_on_commit_callbacks
) -> None:
    job_id = request_export(world).json()["id"]
    ExportJob.objects.filter(pk=job_id).update(
        state="running", heartbeat=stale(), attempts=1, task_id="lost-worker"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.export_jobs_sweep() == 1
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "succeeded" and job.attempts == 2
    assert any("requeued: the worker was lost" in e["message"] for e in job.log)


def test_a_stale_job_out_of_attempts_is_failed_by_the_sweep_and_never_served(
    world: World,
) -> None:
    job_id = request_export(world).json()["id"]
    ExportJob.objects.filter(pk=job_id).update(
        state="running", heartbeat=stale(), attempts=services.MAX_ATTEMPTS
    )
    assert services.export_jobs_sweep() == 1
    detail = world.call("editor", "get", f"/api/v1/exports/{job_id}").json()
    assert detail["state"] == "failed" and detail["error"] == "worker lost"
    assert world.call("editor", "get", f"/api/v1/exports/{job_id}/download").status_code == 409


def test_reading_a_stale_job_writes_nothing(world: World) -> None:
    job_id = request_export(world).json()["id"]
    ExportJob.objects.filter(pk=job_id).update(state="running", heartbeat=stale(), attempts=1)
    before = ExportJob.objects.values().get(pk=job_id)
    for path in (f"/api/v1/exports/{job_id}", f"/api/v1/models/{world.arch.pk}/exports"):
        assert world.call("viewer", "get", path).status_code == 200
    assert ExportJob.objects.values().get(pk=job_id) == before


def test_a_redelivered_task_takes_over_the_job_it_holds_at_once(world: World) -> None:
    """A pool process died mid-job: its message comes back with the same task id and a fresh
    heartbeat; it must not be refused as busy (that failed the job in 17 s)."""
    job_id = request_export(world).json()["id"]
    ExportJob.objects.filter(pk=job_id).update(
        state="running", heartbeat=timezone.now(), attempts=1, task_id="task-1"
    )
    assert services.export_job_run(job_id=job_id, task_id="task-1") == "succeeded"
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "succeeded" and job.attempts == 2


def test_another_attempt_leaves_a_fresh_job_to_its_owner_and_does_not_fail_it(
    world: World,
) -> None:
    job_id = request_export(world).json()["id"]
    ExportJob.objects.filter(pk=job_id).update(
        state="running", heartbeat=timezone.now(), attempts=1, task_id="task-1"
    )
    with pytest.raises(services.JobBusy):
        services.export_job_run(job_id=job_id, task_id="task-2")
    result = tasks.export_job_run.apply(args=[job_id], task_id="task-3").get()
    assert result == "held by another attempt"
    assert ExportJob.objects.get(pk=job_id).state == "running"


def test_any_exporter_exception_fails_the_job_with_its_message(
    world: World, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("could not convert string to float: 'two'")

    monkeypatch.setattr(services, "export_bundle", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world, target="compose").json()["id"]
    detail = world.call("editor", "get", f"/api/v1/exports/{job_id}").json()
    assert detail["state"] == "failed"
    assert detail["error"] == "could not convert string to float: 'two'"
    assert detail["finished"] is not None
    response = world.call("editor", "get", f"/api/v1/exports/{job_id}/download")
    assert response.status_code == 409 and response.json()["state"] == "failed"


def test_a_stored_model_with_an_unexportable_quantity_fails_its_job(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """A document stored before quantities were validated (cpu: "two") fails the job with
    the validation message instead of leaving it queued."""
    document = dict(world.arch.document)
    services_ = [dict(s) for s in document["services"]]
    services_[0] = {**services_[0], "deploy": {"resources": {"cpu": "two", "memory": "lots"}}}
    document["services"] = services_
    digest = content_hash(document)
    number = world.arch.revision + 1
    Revision.objects.create(
        architecture=world.arch,
        number=number,
        document=canonical_json(document),
        content_hash=digest,
        author_label="legacy",
    )
    Architecture.objects.filter(pk=world.arch.pk).update(
        document=canonical_json(document), content_hash=digest, revision=number
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world, target="compose").json()["id"]
    detail = world.call("editor", "get", f"/api/v1/exports/{job_id}").json()
    assert detail["state"] == "failed", detail
    assert "cpu" in detail["error"] and "did you mean '2'" in detail["error"]


@pytest.mark.django_db(transaction=True)  # real commits: the job is enqueued after commit
def test_starting_an_export_with_the_queue_down_is_503_and_leaves_no_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(job_id: int) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services, "_enqueue", down)
    response = request_export(world)
    assert response.status_code == 503
    assert response.json()["detail"] == "the job queue is unavailable, try again"
    assert response["Retry-After"]
    assert ExportJob.objects.count() == 0


def test_celery_beat_sweeps_stale_jobs_periodically() -> None:
    entries = settings.CELERY_BEAT_SCHEDULE.values()
    sweep = next(e for e in entries if e["task"] == "exports.export_jobs_sweep")
    assert 0 < float(sweep["schedule"]) <= 300
    assert tasks.export_jobs_sweep.name == "exports.export_jobs_sweep"
