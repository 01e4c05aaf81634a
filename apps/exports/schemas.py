from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema


class ExportJobIn(Schema):
    target: Literal["compose", "kubernetes", "all"] = "all"


class ExportJobOut(Schema):
    id: int
    model: int
    revision: int
    content_hash: str
    target: Literal["compose", "kubernetes", "all"]
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
