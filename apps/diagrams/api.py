"""/api/v1 diagrams: draw a stored model or a posted model file; poll jobs for large ones.

- ``GET  /models/{id}/diagrams/{view}.{svg|png|dot}?domain=&team=&focus=&hops=&direction=``
  (``view=journey`` with ``journey=<id>``: one journey's dependency tree)
- ``POST /diagrams/{view}?format=svg`` with a model file body (YAML, JSON or multipart ``file``)
- ``GET  /diagrams/jobs/{job_id}`` and ``/diagrams/jobs/{job_id}/result``

200 with the picture, 202 with a job to poll (large diagrams), 422 for a bad view/format/filter
or an invalid model, 503 when Graphviz fails or times out; never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Router

from apps.architectures.bodies import MODEL_BODY, read_body
from apps.architectures.selectors import architecture_get_for, architecture_model
from apps.archmodel import load_model
from apps.core.http import error, principal_of
from apps.rules.services import server_limits
from apps.workspaces.auth import workbench_auth

from . import services
from .render import Filters

router = Router(auth=workbench_auth, tags=["diagrams"])

# Served SVG may be opened directly: forbid scripts and external loads even if one slipped in.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _job_out(job: dict[str, Any]) -> dict[str, Any]:
    url = reverse("api-v1:get_diagram_job", kwargs={"job_id": job["id"]})
    return {
        "id": job["id"],
        "state": job["state"],
        "progress": job["progress"],
        "detail": job.get("detail"),
        "url": url,
        "result_url": f"{url}/result" if job["state"] == "done" else None,
        "job": services.diagram_contract(job),
    }


def _respond(outcome: services.Drawn | services.Queued, view: str, fmt: str) -> HttpResponse:
    if isinstance(outcome, services.Queued):
        job = services.diagram_job_get(job_id=outcome.job_id) or {
            "id": outcome.job_id,
            "state": outcome.state,
            "progress": 0.0,
        }
        body = _job_out(job)
        response = JsonResponse(body, status=202)
        response["Location"] = body["url"]
        return response
    return _picture(outcome.content, outcome.media_type, view, fmt, cached=outcome.cached)


def _picture(content: bytes, media_type: str, view: str, fmt: str, *, cached: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'inline; filename="{view}.{fmt}"'
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["X-Workbench-Cache"] = "hit" if cached else "miss"
    if fmt == "svg":
        response["Content-Security-Policy"] = SVG_CSP
    return response


def _draw(**kwargs: Any) -> HttpResponse:
    """DiagramInputError (422) and RenderFailed (503) are answered by the API's handlers."""
    return _respond(services.diagram_get(**kwargs), kwargs["view"], kwargs["fmt"])


@router.get("/models/{int:model_id}/diagrams/{view}.{fmt}", response={200: None})
def get_model_diagram(
    request: HttpRequest,
    model_id: int,
    view: str,
    fmt: str,
    domain: str | None = None,
    team: str | None = None,
    focus: str | None = None,
    hops: int = 1,
    colour: str = "findings",
    direction: str | None = None,
    journey: str | None = None,
) -> HttpResponse:
    """One view of a stored model, with its findings drawn on it (``colour=blast-radius``:
    each element filled by the share of journeys its failure fails).

    ``journey`` view: one journey's dependency tree left to right (``journey=<id>``, required),
    each call labelled with its timeout, retries and worst-case share of the journey's latency
    target; nodes coloured red / amber when the nominal / worst latency from them on is over
    the target. No domain, team or focus filter."""
    arch = architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    return _draw(
        model=architecture_model(arch),
        content_hash=arch.content_hash,
        view=view,
        fmt=fmt,
        filters=Filters(
            domain=domain,
            team=team,
            focus=focus,
            hops=hops,
            direction=direction,
            journey=journey,
        ),
        architecture_id=arch.pk,
        colour=colour,
    )


@router.post("/diagrams/{view}", response={200: None}, openapi_extra=MODEL_BODY)
def draw_diagram(
    request: HttpRequest,
    view: str,
    format: str = "svg",
    domain: str | None = None,
    team: str | None = None,
    focus: str | None = None,
    hops: int = 1,
    colour: str = "findings",
    direction: str | None = None,
    journey: str | None = None,
) -> HttpResponse:
    """One view of a posted model file, not stored (for CI pipelines and docs); ``journey``
    names the journey of the ``journey`` view."""
    source = read_body(request, server_limits())
    if not source.strip():
        return error(400, "the body is empty; send the model file (YAML or JSON)")
    model = load_model(source, limits=server_limits())
    return _draw(
        model=model,
        content_hash=services.source_hash(source),
        view=view,
        fmt=format,
        filters=Filters(
            domain=domain,
            team=team,
            focus=focus,
            hops=hops,
            direction=direction,
            journey=journey,
        ),
        requester=services.requester_of(principal_of(request)),
        colour=colour,
    )


NO_SUCH_JOB = "no such diagram job (jobs are kept for an hour)"


def _job_for(request: HttpRequest, job_id: str) -> dict[str, Any] | JsonResponse:
    """The job if the caller may see it. "No such id" and "not yours" are the same 404, byte
    for byte, so a job id reveals nothing to an outsider."""
    job = services.diagram_job_get(job_id=job_id)
    if job is None:
        return error(404, NO_SUCH_JOB)
    if job.get("architecture_id") is not None:
        try:
            architecture_get_for(
                principal=principal_of(request), architecture_id=job["architecture_id"]
            )
        except Http404:
            return error(404, NO_SUCH_JOB)
    elif job.get("requester") != services.requester_of(principal_of(request)):
        # A posted file's job is its requester's alone; to anyone else it does not exist.
        return error(404, NO_SUCH_JOB)
    return job


@router.get("/diagrams/jobs/{job_id}", response={200: None}, url_name="get_diagram_job")
def get_diagram_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress of a large diagram: queued → running → done | failed."""
    job = _job_for(request, job_id)
    if isinstance(job, JsonResponse):
        return job
    return JsonResponse(_job_out(job))


@router.get("/diagrams/jobs/{job_id}/result", response={200: None})
def get_diagram_job_result(request: HttpRequest, job_id: str) -> HttpResponse:
    """The picture of a finished job."""
    job = _job_for(request, job_id)
    if isinstance(job, JsonResponse):
        return job
    if job["state"] == "failed":
        return error(503, job.get("detail") or "the diagram could not be drawn", state="failed")
    hit = services.diagram_job_result(job=job) if job["state"] == "done" else None
    if hit is None:
        return error(409, f"the diagram is not ready (state: {job['state']})", state=job["state"])
    return _picture(hit[1], hit[0], job["view"], job["fmt"], cached=True)
