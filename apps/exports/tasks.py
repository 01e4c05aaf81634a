"""The export tasks: JSON args (the job id only), late acks, retries for transient errors, and
the periodic sweep of jobs whose worker was lost (scheduled by Celery beat, see
``CELERY_BEAT_SCHEDULE``, and by the embedded worker)."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services


@shared_task(
    bind=True,
    name="exports.export_job_run",
    acks_late=True,  # a worker that dies mid-job leaves the message to be redelivered
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    max_retries=services.MAX_ATTEMPTS,
    ignore_result=True,
)
def export_job_run(self, job_id: int) -> str:
    """Build the bundle of export job ``job_id`` (see ``services.export_job_run``)."""
    try:
        return services.export_job_run(job_id=job_id, task_id=self.request.id or "")
    except services.JobBusy:
        # Another live attempt holds the job; if its worker dies, the sweep requeues the job.
        return "held by another attempt"
    except SoftTimeLimitExceeded:
        services.export_job_fail(job_id=job_id, error="time limit exceeded")
        return "failed"
    except services.TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            services.export_job_fail(
                job_id=job_id, error=f"gave up after retries: {type(exc).__name__}"
            )
            return "failed"
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 2, 60)) from exc


@shared_task(name="exports.export_jobs_sweep", ignore_result=True)
def export_jobs_sweep() -> int:
    """Requeue (or fail) running jobs whose heartbeat went stale: their worker was lost."""
    return services.export_jobs_sweep()
