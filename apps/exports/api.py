"""/api/v1 export jobs: request (202), inspect, list, download. Thin: one selector/service each."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, JsonResponse
from ninja import Router, Status

from apps.architectures.selectors import architecture_get_for
from apps.core.http import principal_of
from apps.workspaces.auth import workbench_auth

from . import selectors, services
from .events import export_contract
from .models import ExportJob
from .schemas import ExportJobIn, ExportJobOut

router = Router(auth=workbench_auth, tags=["exports"])


def _job_out(job: ExportJob) -> dict[str, Any]:
    done = job.state == ExportJob.State.SUCCEEDED
    return {
        "id": job.pk,
        "model": job.architecture_id,
        "revision": job.revision,
        "content_hash": job.content_hash,
        "target": job.target,
        "options": job.options,
        "state": job.state,
        "progress": job.progress,
        "log": job.log,
        "sha256": job.sha256 or None,
        "size": job.size,
        "error": job.error,
        "requested_by": job.requested_label,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "download_url": f"/api/v1/exports/{job.pk}/download" if done else None,
        "job": export_contract(job),
    }


@router.post("/models/{model_id}/exports", response={202: ExportJobOut})
def create_export(request: HttpRequest, model_id: int, payload: ExportJobIn) -> Status:
    """Queue an export of the model's current revision (editor role)."""
    principal = principal_of(request)
    arch = architecture_get_for(principal=principal, architecture_id=model_id, need="editor")
    job = services.export_job_create(architecture=arch, principal=principal, target=payload.target)
    job.refresh_from_db()
    return Status(202, _job_out(job))


@router.get("/models/{model_id}/exports", response=list[ExportJobOut])
def list_exports(request: HttpRequest, model_id: int) -> list[dict[str, Any]]:
    jobs = selectors.export_job_list(principal=principal_of(request), architecture_id=model_id)
    return [_job_out(job) for job in jobs[:100]]


@router.get("/exports/{job_id}", response=ExportJobOut)
def get_export(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _job_out(selectors.export_job_get_for(principal=principal_of(request), job_id=job_id))


@router.get("/exports/{job_id}/download", response={200: None, 409: dict})
def download_export(request: HttpRequest, job_id: int) -> Any:
    """The zip, only when the job succeeded and the file still matches its sha256."""
    job = selectors.export_job_get_for(principal=principal_of(request), job_id=job_id)
    path = services.bundle_verified(job)
    if path is None:
        detail = (
            f"export job {job.pk} is {job.state}"
            if job.state != ExportJob.State.SUCCEEDED
            else "the bundle is missing or does not match its sha256; request a new export"
        )
        return JsonResponse({"detail": detail, "state": job.state}, status=409)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=job.filename, content_type="application/zip"
    )
    response["X-Content-SHA256"] = job.sha256
    response["Cache-Control"] = "private, no-store"
    return response
