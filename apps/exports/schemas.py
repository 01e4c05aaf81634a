from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema

from apps.core.jobs import JobOut
from exporters import TARGET_CHOICES

# Every registered target (exporters.TARGETS) plus "all"; an enum in the OpenAPI document.
TargetName = Literal[TARGET_CHOICES]  # type: ignore[valid-type]


class ExportJobIn(Schema):
    target: TargetName = "all"


class ExportJobOut(Schema):
    id: int
    model: int
    revision: int
    content_hash: str
    target: TargetName
    options: dict[str, Any]
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: int
    log: list[dict[str, Any]]
    sha256: str | None
    size: int | None
    error: str
    requested_by: str
    created: datetime
    started: datetime | None
    finished: datetime | None
    download_url: str | None
    job: JobOut  # the contract every job follows (apps/core/jobs.py)
