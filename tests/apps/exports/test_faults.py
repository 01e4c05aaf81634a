"""Faults with real processes (PostgreSQL, Redis, Celery): a worker killed mid-export of a
1,000-service model, its pool child or the whole worker, ends `succeeded` after recovery and
never serves a partial bundle; Redis stopped and restarted (a redis-server of the test's own)
gives no 500 and leaves no orphan job, and the workbench recovers by itself."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from apps.architectures.services import architecture_create
from apps.exports.models import ExportJob
from bench.modelgen import generate
from tests.apps.workspaces.personas import World
from tests.deploy.processes import (
    celery,
    children,
    daphne,
    kill_group,
    private_redis,
    service_env,
    start_redis,
    stop,
    wait_until,
)
from workbench.celery import app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]

WORKER = ["worker", "--without-mingle", "--without-gossip", "-l", "INFO"]


@pytest.fixture
def big(world: World) -> Any:
    document = generate(1000)
    document["name"] = "big"
    return architecture_create(workspace=world.workspace, actor=world.owner, source=document)


def start_export(world: World, arch: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # through Redis to the worker
    response = world.call(
        "editor",
        "post",
        f"/api/v1/models/{arch.pk}/exports",
        data={"target": "all"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return int(response.json()["id"])


def running(job_id: int) -> bool:
    job = ExportJob.objects.get(pk=job_id)
    return job.state == "running" and job.progress > 0


def finished(job_id: int) -> ExportJob | None:
    job = ExportJob.objects.get(pk=job_id)
    return job if job.state in ("succeeded", "failed") else None


def assert_whole_bundle(world: World, job: ExportJob) -> None:
    response = world.call("viewer", "get", f"/api/v1/exports/{job.pk}/download")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == job.sha256
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert any(n.endswith("compose.yaml") for n in names) and len(names) > 1000
    leftovers = list(Path(job.bundle.path).parent.glob(".partial-*"))
    assert leftovers == []


def test_a_killed_pool_child_is_redelivered_and_the_job_succeeds(
    world: World, big: Any, tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "exports"
    settings.WORKBENCH_EXPORTS_ROOT = str(exports)
    monkeypatch.setattr(
        ExportJob._meta.get_field("bundle").storage, "location", str(exports), raising=False
    )
    env = service_env(WORKBENCH_EXPORTS_ROOT=str(exports))
    worker = celery([*WORKER, "--pool", "prefork", "--concurrency", "1"], env, tmp_path / "w.log")
    try:
        job_id = start_export(world, big, monkeypatch)
        wait_until(lambda: running(job_id), 120, "the export to start")
        pool = children(worker.pid)
        assert pool, "no pool child"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        job = wait_until(lambda: finished(job_id), 240, "the export to finish")
        assert job.state == "succeeded", (job.error, job.log)
        assert job.attempts >= 2
        assert sum("started" in entry["message"] for entry in job.log) >= 2
        assert_whole_bundle(world, job)
    finally:
        stop(worker)


def test_a_killed_worker_is_recovered_by_the_sweep_without_anyone_reading_the_job(
    world: World, big: Any, tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "exports"
    settings.WORKBENCH_EXPORTS_ROOT = str(exports)
    monkeypatch.setattr(
        ExportJob._meta.get_field("bundle").storage, "location", str(exports), raising=False
    )
    env = service_env(
        WORKBENCH_EXPORTS_ROOT=str(exports),
        WORKBENCH_JOB_STALE_SECONDS="30",
        WORKBENCH_JOB_SWEEP_SECONDS="2",
    )
    first = celery([*WORKER, "--pool", "solo"], env, tmp_path / "first.log")
    beat = celery(
        ["beat", "-l", "INFO", "--schedule", str(tmp_path / "beat-schedule")],
        env,
        tmp_path / "beat.log",
    )
    second = None
    try:
        job_id = start_export(world, big, monkeypatch)
        wait_until(lambda: running(job_id), 120, "the export to start")
        kill_group(first)  # the whole worker, with no chance to say anything
        killed_at = time.monotonic()
        assert ExportJob.objects.get(pk=job_id).state == "running"
        second = celery([*WORKER, "--pool", "solo"], env, tmp_path / "second.log")
        job = wait_until(lambda: finished(job_id), 300, "the sweep and a new worker")
        assert job.state == "succeeded", (job.error, job.log)
        assert time.monotonic() - killed_at >= 25  # recovered by staleness, not by a read
        assert any("requeued: the worker was lost" in e["message"] for e in job.log)
        assert_whole_bundle(world, job)
    finally:
        for proc in (beat, second):
            if proc is not None:
                stop(proc)


def http(port: int, method: str, path: str, token: str, body: bytes | None, kind: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": kind},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        payload = json.loads(exc.read() or b"{}")
        if exc.code == 503:
            assert payload["detail"] == "the job queue is unavailable, try again", payload
        return int(exc.code)


def test_redis_stopped_and_restarted_gives_503_no_500_and_no_orphan_job(
    world: World, tmp_path: Path
) -> None:
    token = world.tokens["editor_token"]
    model = b"apiVersion: workbench/v1\nname: tiny\nservices: [{id: a}]\n"
    exports = f"/api/v1/models/{world.arch.pk}/exports"
    diagram = f"/api/v1/models/{world.arch.pk}/diagrams/dependencies.svg"

    def statuses(port: int) -> dict[str, int]:
        return {
            "validate": http(port, "POST", "/api/v1/validate", token, model, "application/yaml"),
            "export": http(
                port, "POST", exports, token, b'{"target": "compose"}', "application/json"
            ),
            "diagram": http(port, "GET", diagram, token, None, "application/json"),
            "model": http(
                port, "GET", f"/api/v1/models/{world.arch.pk}", token, None, "text/plain"
            ),
        }

    with private_redis(tmp_path) as (redis_port, redis):
        env = service_env(
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            WORKBENCH_EXPORTS_ROOT=str(tmp_path / "exports"),
        )
        with daphne(env, tmp_path / "web.log") as web:
            assert statuses(web) == {"validate": 200, "export": 202, "diagram": 200, "model": 200}
            jobs_before = ExportJob.objects.count()

            stop(redis)
            down = statuses(web)
            assert down == {"validate": 503, "export": 503, "diagram": 503, "model": 200}, down
            assert ExportJob.objects.count() == jobs_before  # no orphan `queued` job

            restarted = start_redis(None, redis_port, tmp_path)
            try:
                up = wait_until(
                    lambda: (s := statuses(web))["validate"] == 200 and s, 60, "recovery"
                )
                assert up == {"validate": 200, "export": 202, "diagram": 200, "model": 200}
            finally:
                stop(restarted)
        log = (tmp_path / "web.log").read_text()
        assert " 500 " not in log and "Internal Server Error" not in log
