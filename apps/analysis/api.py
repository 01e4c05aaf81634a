"""The resilience analysis under /api/v1 (mounted in ``workbench/api.py``), ANALYSIS.md:

- ``POST /analyse``: a model file in (the bodies ``/validate`` takes), the analyse JSON out;
  nothing is stored. Same auth, size limits and rate limit as ``/validate``.
- ``POST /simulate?fail=a,b&slow=c=250``: the simulate JSON (``fail`` and ``slow`` repeatable).
- ``GET /models/{id}/analysis``: the analyse JSON of a stored model the caller may view.
- ``GET /models/{id}/simulate?fail=..&slow=..``: the simulate JSON of a stored model (the
  editor's what-if mode; nothing is written).

Errors (mapped once by ``apps.core.http``): 400 empty body, 401 no credentials, 404 unknown
model, 413 too large, 422 invalid model or scenario ``{"detail", "errors": [...]}``, 429 rate
limited (``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router

from apps.architectures.bodies import MODEL_BODY, BodyError, read_body
from apps.architectures.selectors import architecture_get_for, architecture_model
from apps.archmodel.loader import gc_paused
from apps.core.http import principal_of
from apps.rules.ratelimit import enforce_rate
from apps.rules.services import server_limits
from apps.workspaces.auth import workbench_auth

from .report import parse_scenario
from .services import (
    model_analyse_source,
    model_analysis,
    model_simulate,
    model_simulate_source,
)

router = Router(tags=["analysis"])


def _ok(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _posted(request: HttpRequest) -> bytes:
    """The posted model file, counted against the rate limit of ``/validate``."""
    enforce_rate(request)
    source = read_body(request, server_limits())
    if not source.strip():
        raise BodyError(
            400,
            "the body is empty; send the model file (YAML or JSON), or upload it as the "
            "multipart part 'file'",
        )
    return source


@router.post("/analyse", auth=workbench_auth, openapi_extra=MODEL_BODY)
def analyse_model(request: HttpRequest) -> JsonResponse:
    """Journeys against their budgets, the blast radius and the journey rules of a posted
    model file (nothing is stored)."""
    source = _posted(request)
    with gc_paused():
        return _ok(model_analyse_source(source=source))


@router.post("/simulate", auth=workbench_auth, openapi_extra=MODEL_BODY)
def simulate_model(
    request: HttpRequest,
    fail: Query[list[str]] = None,  # type: ignore[assignment]
    slow: Query[list[str]] = None,  # type: ignore[assignment]
) -> JsonResponse:
    """What if ``fail`` (ids, comma-separated, repeatable) are down and ``slow`` (``id=ms``)
    are slower: journey states, paths, element states and retry amplification."""
    failing, slowed = parse_scenario(fail or [], slow or [])
    source = _posted(request)
    with gc_paused():
        return _ok(model_simulate_source(source=source, fail=failing, slow=slowed))


@router.get("/models/{int:model_id}/analysis", auth=workbench_auth)
def get_model_analysis(request: HttpRequest, model_id: int) -> JsonResponse:
    """The analyse JSON of a stored model's current revision (cached by content hash)."""
    arch = architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need="viewer"
    )
    return _ok(model_analysis(model=architecture_model(arch), content_hash=arch.content_hash))


@router.get("/models/{int:model_id}/simulate", auth=workbench_auth)
def get_model_simulation(
    request: HttpRequest,
    model_id: int,
    fail: Query[list[str]] = None,  # type: ignore[assignment]
    slow: Query[list[str]] = None,  # type: ignore[assignment]
) -> JsonResponse:
    """What if ``fail`` are down and ``slow`` slower, on a stored model's current revision
    (the editor's what-if mode): the simulate JSON; nothing is written."""
    failing, slowed = parse_scenario(fail or [], slow or [])
    arch = architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need="viewer"
    )
    with gc_paused():
        return _ok(model_simulate(model=architecture_model(arch), fail=failing, slow=slowed))
