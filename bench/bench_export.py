"""Exports: bundle build time by model size, and the export job's queueing overhead on Redis.

- ``export <n> services``: ``export_bundle(target="all")`` + ``to_zip()`` of a generated model
  (bar: 500 services in < 10 s). ``size`` is the zip's bytes.
- ``queue overhead (redis, real worker)``: enqueue → task start of export jobs, measured with a
  real ``celery worker`` process on Redis db 13 and a private SQLite database: the job's
  ``started`` timestamp (set by the worker when it claims the job) minus the time ``delay()`` was
  called. ``seconds`` is the median, ``size`` the number of jobs. Skipped when Redis is down.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (50, 500)
JOBS = 20
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def bench_exports() -> list[dict[str, Any]]:
    from apps.archmodel import Limits, model_from_data
    from bench.modelgen import generate
    from exporters import export_bundle

    rows = []
    for n in SIZES:
        model = model_from_data(generate(n), limits=Limits.unlimited())
        started = time.perf_counter()
        bundle = export_bundle(model, target="all")
        data = bundle.to_zip()
        seconds = time.perf_counter() - started
        rows.append(
            {
                "name": f"export {n} services (all targets, {len(bundle.files)} files)",
                "size": len(data),
                "seconds": seconds,
            }
        )
    return rows


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def bench_queue() -> list[dict[str, Any]]:
    if not _redis_up():
        return [
            {
                "name": "queue overhead (redis): skipped, Redis not reachable",
                "size": 0,
                "seconds": 0.0,
            }
        ]
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "workbench.settings.local",
        "WORKBENCH_EXPORTS_ROOT": str(tmp / "exports"),
        "WORKBENCH_EMBEDDED_WORKER": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "REDIS_URL",
                "DJANGO_SETTINGS_MODULE",
                "WORKBENCH_EMBEDDED_WORKER",
                "CELERY_TASK_ALWAYS_EAGER",
            )
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    from django.contrib.auth.models import User

    from apps.architectures.services import architecture_create
    from apps.exports.models import ExportJob
    from apps.exports.tasks import export_job_run
    from apps.workspaces.principal import Principal
    from apps.workspaces.services import workspace_create
    from workbench.celery import app

    owner = User.objects.create_user("bench", password="x")
    workspace = workspace_create(name="Bench", owner=owner)
    source = (ROOT / "apps" / "architectures" / "demo" / "shop.yaml").read_bytes()
    arch = architecture_create(workspace=workspace, actor=Principal(user=owner), source=source)
    app.control.purge()
    log = (tmp / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workbench",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
            "-n",
            f"bench-{os.getpid()}@localhost",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(
                    f"worker did not start: {(tmp / 'worker.log').read_text()[-2000:]}"
                )
        delays = []
        for _ in range(JOBS):
            job = ExportJob.objects.create(
                architecture=arch,
                revision=arch.revision,
                content_hash=arch.content_hash,
                target="compose",
            )
            enqueued = time.time()
            export_job_run.delay(job.pk)
            while True:
                job.refresh_from_db(fields=["started", "state"])
                if job.started is not None:
                    break
                time.sleep(0.005)
            delays.append(job.started.timestamp() - enqueued)
            while ExportJob.objects.get(pk=job.pk).state not in ("succeeded", "failed"):
                time.sleep(0.01)
    finally:
        worker.terminate()
        worker.wait(20)
    return [
        {
            "name": "queue overhead median (redis, real worker: enqueue -> task start)",
            "size": JOBS,
            "seconds": statistics.median(delays),
        },
        {"name": "queue overhead max (redis, real worker)", "size": JOBS, "seconds": max(delays)},
    ]


def run() -> list[dict[str, Any]]:
    return bench_exports() + bench_queue()


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<75} {row['size']:>10} {row['seconds']:.4f}")
