"""Writes for export jobs: request one, run one (the task's body), sweep stale ones.

Ownership: the Celery task id of the attempt that runs a job is stored in ``task_id``. A
redelivered message (its worker process died; Celery keeps the task id) finds the job held by
its own id and takes it over at once; another attempt finds it busy and leaves it alone while
its heartbeat is fresh. A job whose heartbeat is stale is requeued (or failed after
``MAX_ATTEMPTS``) by ``export_jobs_sweep``, which Celery beat and the embedded worker run
periodically, so no job depends on being read to recover; reads never write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.architectures.models import Architecture
from apps.architectures.selectors import revision_get, revision_model
from apps.core.errors import BROKER_ERRORS, QueueUnavailable
from apps.core.jobs import broadcast_job
from apps.workspaces.principal import Principal
from exporters import ExportError, export_bundle

from .events import broadcast_progress, export_contract
from .models import ExportJob

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)  # > the task's hard time limit: a live worker heartbeats sooner
MAX_ATTEMPTS = 3
LOG_LIMIT = 200
HEARTBEAT_EVERY = 1.0  # seconds between progress writes


# Errors worth another attempt of the same job (the database or the disk hiccuped); anything
# else an exporter raises is a bug or a model it cannot carry, and fails the job with its message.
TRANSIENT: tuple[type[BaseException], ...] = (DatabaseError, OSError)


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before its worker counts as lost."""
    seconds = getattr(settings, "WORKBENCH_JOB_STALE_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else STALE_AFTER


class JobBusy(Exception):
    """Another attempt holds the job (running with a fresh heartbeat)."""


def _enqueue(job_id: int) -> None:
    from .tasks import export_job_run

    export_job_run.delay(job_id)


def _enqueue_or_forget(job_id: int) -> None:
    """Hand a new job to the queue; when the queue is down, delete the job (no orphan is left
    ``queued`` forever) and raise ``QueueUnavailable`` (503)."""
    try:
        _enqueue(job_id)
    except BROKER_ERRORS as exc:
        log.warning("export job %s not queued: %s", job_id, exc)
        ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).delete()
        raise QueueUnavailable() from exc


def export_job_create(
    *,
    architecture: Architecture,
    principal: Principal,
    target: str,
    options: dict[str, Any] | None = None,
) -> ExportJob:
    """Record a queued job for the architecture's current revision; enqueue it after commit."""
    job = ExportJob(
        architecture=architecture,
        revision=architecture.revision,
        content_hash=architecture.content_hash,
        target=target,
        options=options or {},
        requested_by=principal.user,
        requested_label=principal.label,
    )
    job.full_clean(exclude=["bundle", "sha256"])
    with transaction.atomic():
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_or_forget(job_id))
    return job


def _append_log(job: ExportJob, message: str) -> None:
    job.log = [
        *job.log,
        {"at": timezone.now().isoformat(timespec="milliseconds"), "message": message},
    ][-LOG_LIMIT:]


def _save(job: ExportJob, message: str | None = None, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    if message:
        _append_log(job, message)
    job.heartbeat = timezone.now()
    job.save(update_fields=[*fields, "log", "heartbeat"])
    broadcast_progress(
        architecture_id=job.architecture_id,
        job_id=job.pk,
        state=job.state,
        progress=job.progress,
        message=message or "",
    )
    broadcast_job(job.architecture_id, export_contract(job))


def _claim(job_id: int, task_id: str) -> ExportJob | None:
    """Move the job to running under ``task_id``, or return None when there is nothing to do
    (idempotency). A job running under the same task id lost that attempt's worker process
    (this is the redelivered message): it is taken over without waiting for staleness."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("architecture").get(pk=job_id)
        if job.state in (ExportJob.State.SUCCEEDED, ExportJob.State.FAILED):
            return None
        if (
            job.state == ExportJob.State.RUNNING
            and (not task_id or job.task_id != task_id)
            and job.heartbeat
            and job.heartbeat > timezone.now() - stale_after()
        ):
            raise JobBusy(f"export job {job_id} is running under another attempt")
        if job.state == ExportJob.State.RUNNING and job.attempts >= MAX_ATTEMPTS:
            _save(
                job,
                "failed: the worker was lost on every attempt",
                state=ExportJob.State.FAILED,
                error="worker lost",
                finished=timezone.now(),
            )
            return None
        job.task_id = task_id
        job.state = ExportJob.State.RUNNING
        job.started = timezone.now()
        job.attempts += 1
        job.progress = 0
        job.error = ""
        _save(
            job,
            f"attempt {job.attempts}: started",
            state=job.state,
            started=job.started,
            attempts=job.attempts,
            progress=0,
            error="",
            task_id=task_id,
        )
    return job


def export_job_run(*, job_id: int, task_id: str = "") -> str:
    """Build the bundle of a job. Idempotent: a finished job is left as it is.

    Raises ``JobBusy`` (another attempt holds it) and transient errors (``TRANSIENT``: the task
    retries them after putting the job back to ``queued``). Any other exception, from reading
    the revision to the exporter, fails the job with its message; an unsafe model
    (``ExportError``) fails it with the list of problems.
    """
    job = _claim(job_id, task_id)
    if job is None:
        return "done already"
    try:
        revision = revision_get(architecture=job.architecture, number=job.revision)
        model = revision_model(revision)
        last = [0.0]

        def progress(pct: int, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= HEARTBEAT_EVERY or pct >= 90:
                last[0] = now
                _save(job, message, progress=min(pct, 95))

        bundle = export_bundle(model, target=job.target, options=job.options, progress=progress)
        data = bundle.to_zip()
        digest = hashlib.sha256(data).hexdigest()
        name = _write_atomically(job, data, digest)
    except ExportError as exc:
        _save(
            job,
            "failed: the model holds values an export cannot carry safely",
            state=ExportJob.State.FAILED,
            error="; ".join(exc.problems),
            finished=timezone.now(),
        )
        return "failed"
    except TRANSIENT as exc:
        _save(
            job,
            f"attempt {job.attempts} failed: {type(exc).__name__}",
            state=ExportJob.State.QUEUED,
        )
        raise
    except Exception as exc:
        log.exception("export job %s failed", job.pk)
        message = str(exc) or type(exc).__name__
        _save(
            job,
            f"failed: {type(exc).__name__}: {message}"[:500],
            state=ExportJob.State.FAILED,
            error=message,
            finished=timezone.now(),
        )
        return "failed"
    _save(
        job,
        f"succeeded: {len(bundle.files)} files, {len(data)} bytes",
        state=ExportJob.State.SUCCEEDED,
        progress=100,
        bundle=name,
        sha256=digest,
        size=len(data),
        finished=timezone.now(),
    )
    return "succeeded"


def _write_atomically(job: ExportJob, data: bytes, digest: str) -> str:
    """Write to a temporary file in the target directory, fsync, then rename into place."""
    storage = job.bundle.storage
    name = f"bundles/{job.architecture_id}/{job.pk}-{digest[:16]}.zip"
    final = Path(storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=".zip", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return name


def export_job_fail(*, job_id: int, error: str) -> None:
    """Give up on a job (retries exhausted, time limit hit)."""
    job = ExportJob.objects.get(pk=job_id)
    if job.state != ExportJob.State.SUCCEEDED:
        _save(
            job,
            f"failed: {error}",
            state=ExportJob.State.FAILED,
            error=error,
            finished=timezone.now(),
        )


def export_jobs_sweep() -> int:
    """Running jobs whose heartbeat is stale lost their worker: requeue them, or fail them
    after ``MAX_ATTEMPTS``. Run periodically (Celery beat, the embedded worker); returns how
    many were recovered. A requeued job gets a new task, which takes it over."""
    cutoff = timezone.now() - stale_after()
    stale = ExportJob.objects.filter(state=ExportJob.State.RUNNING, heartbeat__lt=cutoff)
    count = 0
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            row = (
                ExportJob.objects.select_for_update()
                .filter(pk=job_id, state=ExportJob.State.RUNNING, heartbeat__lt=cutoff)
                .first()
            )
            if row is None:
                continue
            count += 1
            if row.attempts >= MAX_ATTEMPTS:
                _save(
                    row,
                    "failed: the worker was lost (stale heartbeat), no attempts left",
                    state=ExportJob.State.FAILED,
                    error="worker lost",
                    finished=timezone.now(),
                )
            else:
                _save(
                    row,
                    "requeued: the worker was lost (stale heartbeat)",
                    state=ExportJob.State.QUEUED,
                    task_id="",
                )
                transaction.on_commit(partial(_enqueue, job_id))
    return count


def bundle_verified(job: ExportJob) -> Path | None:
    """The bundle's path when the job succeeded and the file still has the recorded sha256."""
    if job.state != ExportJob.State.SUCCEEDED or not job.bundle or not job.sha256:
        return None
    try:
        path = Path(job.bundle.path)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return path if digest.hexdigest() == job.sha256 else None
