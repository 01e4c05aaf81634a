"""Reads of export jobs, with the permissions of their model. Reads never write: stale jobs
are recovered by the periodic sweep (``services.export_jobs_sweep``), not by being looked at."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.architectures.selectors import architecture_get_for
from apps.workspaces.principal import Principal

from .models import ExportJob

NO_SUCH_JOB = "No such export job"


def export_job_get_for(*, principal: Principal, job_id: int, need: str = "viewer") -> ExportJob:
    """The job if ``principal`` may see its model (404 otherwise, like the model itself)."""
    rows = ExportJob.objects.select_related("architecture").defer("architecture__document")
    job = rows.filter(pk=job_id).first()
    if job is None:
        raise Http404(NO_SUCH_JOB)
    try:
        architecture_get_for(principal=principal, architecture_id=job.architecture_id, need=need)
    except Http404:
        raise Http404(NO_SUCH_JOB) from None  # "not yours" reads exactly like "no such id"
    return job


def export_job_list(*, principal: Principal, architecture_id: int) -> QuerySet[ExportJob]:
    architecture_get_for(principal=principal, architecture_id=architecture_id)
    return (
        ExportJob.objects.filter(architecture_id=architecture_id)
        .select_related("architecture")
        .defer("architecture__document")
    )
