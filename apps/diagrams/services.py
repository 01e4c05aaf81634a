"""Drawing diagrams for the API: cached, and handed to Celery when a diagram is too large.

`diagram_get` answers from the Django cache when it can, keyed by (model content hash, today,
view, filter, format): the content hash pins the model revision, and the date pins the findings
(a suppression can expire overnight). A miss is drawn inline unless the diagram has more than
`WORKBENCH_DIAGRAM_INLINE_MAX_NODES` nodes; then a job is queued and the caller gets its id.

A job lives in the cache too, as a small JSON dict whose state machine is
`queued → running → done | failed` (`progress` 0..1, `detail` on failure). The model travels to
the worker as canonical JSON under its content hash, so the task takes ids only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from apps.archmodel import Limits, Model, model_from_data
from apps.core.errors import BROKER_ERRORS, QueueUnavailable
from apps.core.jobs import broadcast_job, job_contract
from apps.rules.engine import check_model
from apps.rules.services import model_check
from apps.workspaces.principal import Principal

from .code import CODE_FORMATS, render_code
from .render import (
    FORMATS,
    JOURNEY_VIEW,
    DiagramError,
    DiagramInputError,
    Filters,
    RenderFailed,
    build_diagram,
    journey_analysis,
    render,
)

if TYPE_CHECKING:
    from apps.analysis.analysis import Analysis

logger = logging.getLogger(__name__)

RENDER_VERSION = "1"  # bump when the drawing changes, so cached pictures are redrawn
JOB_TTL = 3600


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def inline_max_nodes() -> int:
    return int(_setting("WORKBENCH_DIAGRAM_INLINE_MAX_NODES", 300))


def cache_seconds() -> int:
    return int(_setting("WORKBENCH_DIAGRAM_CACHE_SECONDS", 24 * 3600))


def inline_timeout() -> float:
    return float(_setting("WORKBENCH_DIAGRAM_TIMEOUT", 20))


def job_timeout() -> float:
    return float(_setting("WORKBENCH_DIAGRAM_JOB_TIMEOUT", 240))


@dataclass(slots=True)
class Drawn:
    content: bytes
    media_type: str
    cached: bool


@dataclass(slots=True)
class Queued:
    job_id: str
    state: str


def source_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_key(
    *,
    content_hash: str,
    view: str,
    filters: Filters,
    fmt: str,
    today: datetime.date | None = None,
    colour: str = "findings",
) -> str:
    today = today or datetime.date.today()
    raw = f"{RENDER_VERSION}|{content_hash}|{today.isoformat()}|{view}|{filters.key()}|{fmt}"
    if colour != "findings":
        raw += f"|{colour}"
    return "diagrams:render:" + hashlib.sha256(raw.encode()).hexdigest()


# What the picture is coloured by: the findings of the rules, or the blast radius of each
# element (the share of journeys its failure fails; see docs/analysis.md).
COLOURS = ("findings", "blast-radius")


def _paint(
    model: Model,
    colour: str,
    view: str = "",
    analysis: Analysis | None = None,
    content_hash: str | None = None,
) -> dict[str, Any]:
    """The ``findings``, ``blast`` and ``analysis`` arguments of ``render`` for ``colour``.
    The journey view draws no findings: its colours are the latency states."""
    paint: dict[str, Any] = {}
    if view == JOURNEY_VIEW or colour == "blast-radius":
        paint["analysis"] = analysis = analysis or journey_analysis(model)
    if colour == "blast-radius":
        assert analysis is not None
        paint["blast"] = (analysis.blast_radius, len(analysis.journeys))
    elif view != JOURNEY_VIEW:
        paint["findings"] = _findings(model, content_hash)
    return paint


def _findings(model: Model, content_hash: str | None) -> list[Any]:
    """The model's findings: a stored model's are shared with the findings pane (one report
    per revision, see apps.rules.services.model_check)."""
    if content_hash is None:
        return check_model(model).findings
    return model_check(model=model, content_hash=content_hash).findings


def _job_key(job_id: str) -> str:
    return f"diagrams:job:{job_id}"


def _model_key(content_hash: str) -> str:
    return f"diagrams:model:{content_hash}"


def diagram_get(
    *,
    model: Model,
    content_hash: str,
    view: str,
    fmt: str,
    filters: Filters,
    architecture_id: int | None = None,
    requester: str | None = None,
    colour: str = "findings",
) -> Drawn | Queued:
    """The diagram (from the cache or drawn now), or the queued job that will draw it.

    A job for a stored model is readable by whoever may read the model; a job for a posted file
    belongs to its `requester` (see `requester_of`) and is invisible to everyone else.

    Raises DiagramInputError (bad view, format or filter) and RenderFailed (Graphviz).
    """
    if fmt not in FORMATS and fmt not in CODE_FORMATS:
        choices = ", ".join([*FORMATS, *CODE_FORMATS])
        raise DiagramInputError(f"unknown format {fmt!r}; choose one of {choices}")
    if colour not in COLOURS:
        raise DiagramInputError(f"unknown colour {colour!r}; choose one of {', '.join(COLOURS)}")
    key = render_key(content_hash=content_hash, view=view, filters=filters, fmt=fmt, colour=colour)
    hit = cache.get(key)
    if hit is not None:
        return Drawn(content=hit[1], media_type=hit[0], cached=True)
    if fmt in CODE_FORMATS:
        # Text, no Graphviz: always drawn inline, whatever the size.
        try:
            text = render_code(
                model, view, fmt, findings=_findings(model, content_hash), filters=filters
            )
        except ValueError as exc:
            raise DiagramInputError(str(exc)) from None
        cache.set(key, (CODE_FORMATS[fmt], text.encode()), cache_seconds())
        return Drawn(content=text.encode(), media_type=CODE_FORMATS[fmt], cached=False)
    analysis = journey_analysis(model) if view == JOURNEY_VIEW else None
    diagram = build_diagram(model, view, filters=filters, analysis=analysis)  # validates input
    if fmt != "dot" and len(diagram.nodes) > inline_max_nodes():
        return _enqueue(
            model=model,
            content_hash=content_hash,
            key=key,
            view=view,
            fmt=fmt,
            filters=filters,
            architecture_id=architecture_id,
            requester=None if architecture_id is not None else requester,
            colour=colour,
        )
    result = render(
        model,
        view,
        fmt=fmt,
        filters=filters,
        timeout=inline_timeout(),
        **_paint(model, colour, view, analysis, content_hash),
    )
    cache.set(key, (result.media_type, result.content), cache_seconds())
    return Drawn(content=result.content, media_type=result.media_type, cached=False)


def _enqueue(
    *,
    model: Model,
    content_hash: str,
    key: str,
    view: str,
    fmt: str,
    filters: Filters,
    architecture_id: int | None,
    requester: str | None,
    colour: str = "findings",
) -> Queued:
    # The same picture asked for twice shares one job; a posted file's job only with the same
    # requester, since nobody else may see it.
    pending_key = f"{key}:job" if requester is None else f"{key}:job:{requester}"
    pending = cache.get(pending_key)
    if pending:
        job = cache.get(_job_key(pending))
        if job and job["state"] in ("queued", "running"):
            return Queued(job_id=pending, state=job["state"])
    job_id = uuid.uuid4().hex
    cache.set(_model_key(content_hash), json.dumps(model.document), JOB_TTL)
    job = {
        "id": job_id,
        "state": "queued",
        "progress": 0.0,
        "detail": None,
        "render_key": key,
        "content_hash": content_hash,
        "view": view,
        "fmt": fmt,
        "filters": {
            "domain": filters.domain,
            "team": filters.team,
            "focus": filters.focus,
            "hops": filters.hops,
            "direction": filters.direction,
            "journey": filters.journey,
        },
        "architecture_id": architecture_id,
        "requester": requester,
        "colour": colour,
    }
    cache.set(_job_key(job_id), job, JOB_TTL)
    cache.set(pending_key, job_id, JOB_TTL)
    transaction.on_commit(lambda: _send(job_id, pending_key))
    return Queued(job_id=job_id, state="queued")


def _send(job_id: str, pending_key: str) -> None:
    """Hand the job to the queue; when it is down, forget the job (503, nothing left queued)."""
    from .tasks import diagram_job_run

    try:
        diagram_job_run.delay(job_id)
    except BROKER_ERRORS as exc:
        cache.delete_many([_job_key(job_id), pending_key])
        raise QueueUnavailable() from exc


def requester_of(principal: Principal) -> str:
    """Who owns a posted file's job: the signed-in user, or the API token."""
    if principal.token is not None:
        return f"token:{principal.token.pk}"
    return f"user:{principal.user.pk if principal.user is not None else ''}"


def diagram_job_get(*, job_id: str) -> dict[str, Any] | None:
    return cache.get(_job_key(job_id))


def diagram_job_result(*, job: dict[str, Any]) -> tuple[str, bytes] | None:
    return cache.get(job["render_key"])


def diagram_contract(job: dict[str, Any]) -> dict[str, Any]:
    """The job in the contract every job follows (apps/core/jobs.py): 0..1 → 0..100, done →
    succeeded."""
    url = f"/api/v1/diagrams/jobs/{job['id']}"
    return job_contract(
        kind="diagram",
        job_id=job["id"],
        state=job["state"],
        percent=float(job.get("progress") or 0) * 100,
        detail=job.get("detail"),
        url=url,
        result_url=f"{url}/result",
    )


def _job_update(job: dict[str, Any], **changes: Any) -> None:
    job.update(changes)
    cache.set(_job_key(job["id"]), job, JOB_TTL)
    if "state" in changes or "progress" in changes:
        broadcast_job(job.get("architecture_id"), diagram_contract(job))


def diagram_job_run(*, job_id: str) -> str:
    """Draw the diagram of a queued job (run by the Celery task). Returns the final state."""
    job = cache.get(_job_key(job_id))
    if job is None:
        logger.warning("diagram job %s expired before it ran", job_id)
        return "missing"
    if job["state"] in ("done", "failed"):
        return job["state"]
    _job_update(job, state="running", progress=0.1)
    source = cache.get(_model_key(job["content_hash"]))
    if source is None:
        _job_update(
            job, state="failed", detail="the model left the cache before the job ran; ask again"
        )
        return "failed"
    try:
        model = model_from_data(json.loads(source), limits=Limits.unlimited())
        paint = _paint(
            model, job.get("colour", "findings"), job["view"], content_hash=job.get("content_hash")
        )
        _job_update(job, progress=0.3)
        result = render(
            model,
            job["view"],
            fmt=job["fmt"],
            filters=Filters(**job["filters"]),
            timeout=job_timeout(),
            **paint,
        )
    except DiagramError as exc:
        _job_update(job, state="failed", detail=str(exc))
        return "failed"
    cache.set(job["render_key"], (result.media_type, result.content), cache_seconds())
    _job_update(job, state="done", progress=1.0)
    return "done"


def diagram_job_fail(*, job_id: str, detail: str) -> None:
    job = cache.get(_job_key(job_id))
    if job is not None:
        _job_update(job, state="failed", detail=detail)


__all__ = [
    "Drawn",
    "Queued",
    "RenderFailed",
    "diagram_contract",
    "diagram_get",
    "diagram_job_get",
    "diagram_job_result",
    "diagram_job_run",
    "render_key",
    "requester_of",
    "source_hash",
]
