"""Reads of export jobs, with the permissions of their model."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.architectures.selectors import architecture_get_for
from apps.workspaces.principal import Principal

from .models import ExportJob
from .services import export_job_recover_stale


def export_job_get_for(*, principal: Principal, job_id: int, need: str = "viewer") -> ExportJob:
    """The job if ``principal`` may see its model (404 otherwise, like the model itself)."""
    job = ExportJob.objects.select_related("architecture").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such export job")
    architecture_get_for(principal=principal, architecture_id=job.architecture_id, need=need)
    if job.state == ExportJob.State.RUNNING and export_job_recover_stale(job=job):
        job.refresh_from_db()
    return job


def export_job_list(*, principal: Principal, architecture_id: int) -> QuerySet[ExportJob]:
    architecture_get_for(principal=principal, architecture_id=architecture_id)
    return ExportJob.objects.filter(architecture_id=architecture_id).select_related("architecture")
