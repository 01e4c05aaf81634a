"""The diagram task: JSON args (the job id only); state kept in the job's cache entry."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services


@shared_task(
    name="diagrams.diagram_job_run", soft_time_limit=300, time_limit=330, ignore_result=True
)
def diagram_job_run(job_id: str) -> str:
    """Draw the diagram of job ``job_id`` (see ``services.diagram_job_run``)."""
    try:
        return services.diagram_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        services.diagram_job_fail(job_id=job_id, detail="time limit exceeded; draw a filtered view")
        return "failed"
