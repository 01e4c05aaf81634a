"""A large diagram drawn by a real Celery worker process, through Redis (broker and cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from apps.archmodel import dump_yaml, model_from_data
from apps.diagrams.render import svg_is_safe
from bench.modelgen import generate
from tests.apps.workspaces.personas import World
from workbench.celery import app

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL"),
]


def test_a_worker_process_draws_a_queued_diagram_and_the_api_serves_it(
    world: World, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # the job goes through Redis
    settings.WORKBENCH_DIAGRAM_INLINE_MAX_NODES = 50
    # A title of its own, so no picture cached by an earlier run answers instead of the worker.
    body = dump_yaml(model_from_data({**generate(80), "title": f"Run {uuid.uuid4().hex}"})).encode()
    with django_capture_on_commit_callbacks(execute=False):  # the test hands the job over
        res = world.call(
            "viewer_token",
            "post",
            "/api/v1/diagrams/dependencies?format=svg",
            data=body,
            content_type="application/yaml",
        )
    assert res.status_code == 202, res.content
    job = res.json()
    queue = f"test-diagrams-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            *("-m", "celery", "-A", "workbench", "worker", "--pool", "solo"),
            *("--queues", queue, "--without-mingle", "--without-gossip", "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings.test"},
    )
    try:
        app.send_task("diagrams.diagram_job_run", args=[job["id"]], queue=queue)
        deadline = time.monotonic() + 90
        polled = job
        while time.monotonic() < deadline:
            polled = world.call("viewer_token", "get", job["url"]).json()
            if polled["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert polled["state"] == "done", polled
        assert polled["progress"] == 1.0
        picture = world.call("viewer_token", "get", polled["result_url"])
        assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
        assert svg_is_safe(picture.content) and b'data-id="svc-1"' in picture.content
    finally:
        worker.terminate()
        worker.wait(timeout=30)
