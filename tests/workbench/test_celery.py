from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from celery import shared_task

from apps.core.tasks import ping
from workbench.celery import app

from .conftest import ROOT

_gate = threading.Event()


@shared_task(name="tests.wait_for_gate")
def wait_for_gate() -> str:
    """Blocks until the test opens the gate, so the test can see that delay() did not wait."""
    if not _gate.wait(timeout=20):
        raise TimeoutError("gate never opened")
    return threading.current_thread().name


def test_eager_mode_runs_tasks_inline_in_tests() -> None:
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="embedded mode is the no-Redis mode")
def test_embedded_worker_runs_jobs_in_the_background_of_the_web_process(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WORKBENCH_EMBEDDED_WORKER = True
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    _gate.clear()

    started = time.monotonic()
    result = wait_for_gate.delay()
    assert time.monotonic() - started < 2, "delay() must return before the task finishes"
    assert not result.ready()

    _gate.set()
    thread_name = result.get(timeout=20)
    assert thread_name != threading.current_thread().name
    assert ping.delay().get(timeout=10) == "pong"


@pytest.mark.integration
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_a_separate_worker_process_consumes_jobs_through_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workbench",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings.test"},
    )
    try:
        result = app.send_task("core.ping", queue=queue)
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_the_embedded_worker_sends_the_periodic_sweep_like_beat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench import celery as celery_module

    sent: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, *a, **k: sent.append(name))
    assert celery_module.sweep_once() == ["exports.export_jobs_sweep"] == sent
