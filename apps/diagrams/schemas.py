from __future__ import annotations

from ninja import Schema


class DiagramJobOut(Schema):
    id: str
    state: str  # queued | running | done | failed
    progress: float
    detail: str | None = None
    url: str  # poll here
    result_url: str | None = None  # the picture, once done
