"""One contract for every background job (export jobs, large diagrams), added to each job's
own JSON without renaming anything the editor reads:

    "job": {"kind": "export" | "diagram", "id": "...", "state": "queued" | "running" |
            "succeeded" | "failed", "percent": 0..100, "detail": str | null,
            "url": <poll here>, "result_url": <the result, once succeeded> | null}

The same object travels on the model's websocket group as ``{"type": "job.progress", "job":
{...}}`` while a job of a stored model moves (export jobs also keep their ``export.progress``
event); polling ``url`` is the fallback, so a page that lost its socket still sees the end.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from ninja import Schema

log = logging.getLogger(__name__)

STATES = ("queued", "running", "succeeded", "failed")
JOB_PROGRESS = "job.progress"
# Diagram jobs say "done" in their own fields (kept for the editor); the contract says succeeded.
_ALIASES = {"done": "succeeded"}


class JobOut(Schema):
    kind: Literal["export", "diagram"]
    id: str
    state: Literal["queued", "running", "succeeded", "failed"]
    percent: int
    detail: str | None = None
    url: str
    result_url: str | None = None


def job_contract(
    *,
    kind: str,
    job_id: Any,
    state: str,
    percent: float,
    detail: str | None,
    url: str,
    result_url: str | None,
) -> dict[str, Any]:
    state = _ALIASES.get(state, state)
    return {
        "kind": kind,
        "id": str(job_id),
        "state": state,
        "percent": max(0, min(100, round(percent))),
        "detail": detail or None,
        "url": url,
        "result_url": result_url if state == "succeeded" else None,
    }


def broadcast_job(architecture_id: int | None, job: dict[str, Any]) -> None:
    """Best effort: a failing channel layer is logged, never fails the job."""
    if architecture_id is None:
        return
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                f"model-{architecture_id}", {"type": JOB_PROGRESS, "job": job}
            )
    except Exception:
        log.warning("could not broadcast %s for %s job %s", JOB_PROGRESS, job["kind"], job["id"])
