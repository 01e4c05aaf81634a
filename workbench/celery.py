"""The Celery app, and the embedded worker that runs tasks when there is no Redis.

Loaded by `apps.core.apps.CoreConfig.ready()` (not by `workbench/__init__.py`, so the CLI does not
pay for importing Celery) which makes it the current app that `@shared_task` binds to.

Embedded mode (settings.WORKBENCH_EMBEDDED_WORKER, on when REDIS_URL is unset): the broker is
kombu's in-process `memory://` transport and results go to `cache+memory://`. A real Celery
`WorkController` with the `threads` pool is started in a daemon thread of the web process the
first time a task is published. `delay()` therefore returns at once with the job queued, and the
task runs moments later in a worker thread with the same retry, state and time-limit handling as
a separate `celery -A workbench worker` process would give it. Queued jobs die with the process,
which is the accepted price of needing nothing but Python.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from celery import Celery
from celery.concurrency.thread import TaskPool as ThreadTaskPool
from celery.signals import before_task_publish
from celery.worker import WorkController

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings.local")

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


class _EmbeddedTaskPool(ThreadTaskPool):
    # Celery marks the whole process as "inside a worker" so that AsyncResult.get() raises.
    # Here the process is mainly the web server (and the test runner), which may wait on a
    # result, so keep the guard off; tasks themselves must still not wait on other tasks.
    task_join_will_block = False


_embedded_lock = threading.Lock()
_embedded_worker: WorkController | None = None


def start_embedded_worker(*, concurrency: int | None = None) -> WorkController:
    """Start the in-process worker once; later calls return the running one."""
    global _embedded_worker
    with _embedded_lock:
        if _embedded_worker is not None:
            return _embedded_worker
        from django.conf import settings

        app.finalize()
        worker = WorkController(
            app=app,
            hostname=f"embedded-{os.getpid()}@localhost",
            pool=_EmbeddedTaskPool,
            concurrency=concurrency or settings.WORKBENCH_EMBEDDED_WORKER_CONCURRENCY,
            # No other workers to talk to, and heartbeats/events would only add threads.
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            send_events=False,
        )
        thread = threading.Thread(target=worker.start, name="celery-embedded", daemon=True)
        thread.start()
        sweeper = threading.Thread(
            target=_sweep_forever,
            args=(settings.WORKBENCH_JOB_SWEEP_SECONDS,),
            name="celery-embedded-sweep",
            daemon=True,
        )
        sweeper.start()
        _embedded_worker = worker
        logger.info("Started embedded Celery worker (threads pool, in-process memory broker)")
        return worker


def _sweep_forever(every: float) -> None:
    """What `celery beat` does in served mode: run the periodic sweeps (CELERY_BEAT_SCHEDULE)
    so that a job whose worker was lost recovers without anyone reading it."""
    while True:
        sweep_once()
        time.sleep(every)


def sweep_once() -> list[str]:
    """Send every task of CELERY_BEAT_SCHEDULE once (what beat would); returns their names."""
    from django.conf import settings

    sent = []
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        try:
            app.send_task(entry["task"])
            sent.append(entry["task"])
        except Exception:
            logger.warning("periodic task %s not sent", entry["task"], exc_info=True)
    return sent


@before_task_publish.connect
def _start_embedded_worker_on_publish(**_: Any) -> None:
    """Lazily start the embedded worker, so only processes that enqueue jobs pay for it."""
    if _embedded_worker is not None:
        return
    from django.conf import settings

    if getattr(settings, "WORKBENCH_EMBEDDED_WORKER", False):
        start_embedded_worker()
