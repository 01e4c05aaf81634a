"""Progress events on the model's channel-layer group (``f"model-{id}"``)::

    {"type": "export.progress", "job": <id>, "state": "running", "progress": 40,
     "message": "generating kubernetes"}

and the same moment in the job contract of every job (apps/core/jobs.py)::

    {"type": "job.progress", "job": {"kind": "export", "id": "<id>", "state": "running",
     "percent": 40, ...}}

Best effort: a failing channel layer is logged and never fails the job.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.core.jobs import job_contract

if TYPE_CHECKING:
    from .models import ExportJob

log = logging.getLogger(__name__)

EXPORT_PROGRESS = "export.progress"


def export_contract(job: ExportJob) -> dict[str, Any]:
    url = f"/api/v1/exports/{job.pk}"
    return job_contract(
        kind="export",
        job_id=job.pk,
        state=job.state,
        percent=job.progress,
        detail=job.error or None,
        url=url,
        result_url=f"{url}/download",
    )


def broadcast_progress(
    *, architecture_id: int, job_id: int, state: str, progress: int, message: str
) -> None:
    event = {
        "type": EXPORT_PROGRESS,
        "job": job_id,
        "state": state,
        "progress": progress,
        "message": message,
    }
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(f"model-{architecture_id}", event)
    except Exception:
        log.warning(
            "could not broadcast %s for export job %s", EXPORT_PROGRESS, job_id, exc_info=True
        )
