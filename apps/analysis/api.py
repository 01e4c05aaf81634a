"""The resilience analysis under /api/v1 (mounted in ``workbench/api.py``), ANALYSIS.md:

- ``POST /analyse``: a model file in (the bodies ``/validate`` takes), the analyse JSON out;
  nothing is stored. Same auth, size limits and rate limit as ``/validate``.
- ``POST /simulate?fail=a,b&slow=c=250``: the simulate JSON (``fail`` and ``slow`` repeatable).
- ``GET /models/{id}/analysis``: the analyse JSON of a stored model the caller may view.

Errors: 400 empty body, 401 no credentials, 404 unknown model, 413 too large, 422 invalid model
or scenario ``{"detail", "errors": [...]}``, 429 rate limited (``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router

from apps.architectures.bodies import MODEL_BODY, BodyError, read_body
from apps.architectures.selectors import architecture_get_for, architecture_model
from apps.archmodel import ModelInvalid
from apps.archmodel.loader import gc_paused
from apps.rules.ratelimit import check_rate
from apps.rules.services import server_limits
from apps.workspaces.auth import workbench_auth

from .analysis import SimulationError
from .report import parse_scenario
from .services import model_analyse_source, model_analysis, model_simulate_source

router = Router(tags=["analysis"])


def _error(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _invalid(exc: ModelInvalid) -> JsonResponse:
    return _error(422, f"the model is invalid: {len(exc.errors)} error(s)", **exc.as_dict())


def _scenario_error(exc: SimulationError) -> JsonResponse:
    message = str(exc)
    return _error(
        422,
        f"the scenario is invalid: {message}",
        errors=[{"pointer": "", "line": None, "column": None, "kind": "value", "message": message}],
    )


def _ok(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _posted(request: HttpRequest) -> bytes | JsonResponse:
    """The posted model file, or the 429 / 4xx answer."""
    wait = check_rate(request)
    if wait is not None:
        response = _error(429, f"too many validations; retry in {wait} s (WORKBENCH_VALIDATE_RATE)")
        response["Retry-After"] = str(wait)
        return response
    try:
        source = read_body(request, server_limits())
    except BodyError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    if not source.strip():
        return _error(
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
    if isinstance(source, JsonResponse):
        return source
    try:
        with gc_paused():
            return _ok(model_analyse_source(source=source))
    except ModelInvalid as exc:
        return _invalid(exc)


@router.post("/simulate", auth=workbench_auth, openapi_extra=MODEL_BODY)
def simulate_model(
    request: HttpRequest,
    fail: Query[list[str]] = None,  # type: ignore[assignment]
    slow: Query[list[str]] = None,  # type: ignore[assignment]
) -> JsonResponse:
    """What if ``fail`` (ids, comma-separated, repeatable) are down and ``slow`` (``id=ms``)
    are slower: journey states, paths, element states and retry amplification."""
    try:
        failing, slowed = parse_scenario(fail or [], slow or [])
    except SimulationError as exc:
        return _scenario_error(exc)
    source = _posted(request)
    if isinstance(source, JsonResponse):
        return source
    try:
        with gc_paused():
            return _ok(model_simulate_source(source=source, fail=failing, slow=slowed))
    except ModelInvalid as exc:
        return _invalid(exc)
    except SimulationError as exc:
        return _scenario_error(exc)


@router.get("/models/{int:model_id}/analysis", auth=workbench_auth)
def get_model_analysis(request: HttpRequest, model_id: int) -> JsonResponse:
    """The analyse JSON of a stored model's current revision (cached by content hash)."""
    principal = request.auth  # type: ignore[attr-defined]
    arch = architecture_get_for(principal=principal, architecture_id=model_id, need="viewer")
    try:
        return _ok(model_analysis(model=architecture_model(arch), content_hash=arch.content_hash))
    except ModelInvalid as exc:
        return _invalid(exc)
