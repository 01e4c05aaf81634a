"""The CI API and the rule catalog under /api/v1 (mounted in ``workbench/api.py``).

- ``POST /validate``: a model file in (YAML or JSON body, or a multipart ``file``), findings out
  (``?format=json|sarif|junit``, ``?fail_on=``, ``?path=``); nothing is stored.
- ``GET /models/{id}/findings``: the same for a stored model the caller may view.
- ``GET /rules`` and ``GET /rules/{id}``: the catalog with each rule's documentation.

Errors: 400 bad parameters or body, 401 no credentials, 404 unknown rule/model, 413 model too
large, 422 ``{"detail", "errors": [{pointer, line, column, kind, message}]}`` invalid model or
rule configuration, 429 rate limited (``Retry-After``). Responses carry ``X-Workbench-Passed``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from apps.architectures.bodies import MODEL_BODY, read_body
from apps.architectures.selectors import architecture_get_for, architecture_model
from apps.archmodel.loader import gc_paused
from apps.core.http import error, principal_of
from apps.workspaces.auth import workbench_auth

from .findings import Report
from .formats import CONTENT_TYPES, render, report_dict
from .ratelimit import enforce_rate
from .registry import SEVERITIES, did_you_mean, load_catalog
from .ruledocs import all_rule_docs, rule_doc
from .services import model_check, model_check_source, server_limits

logger = logging.getLogger(__name__)

router = Router(tags=["rules"])

FORMATS = ("json", "sarif", "junit")


def _params(fmt: str, fail_on: str) -> JsonResponse | None:
    if fmt not in FORMATS:
        return error(
            400,
            f"format must be one of {', '.join(FORMATS)}, not '{fmt}'{did_you_mean(fmt, FORMATS)}",
        )
    if fail_on not in SEVERITIES:
        return error(
            400,
            f"fail_on must be one of {', '.join(SEVERITIES)}, not '{fail_on}'"
            f"{did_you_mean(fail_on, SEVERITIES)}",
        )
    return None


def _respond(report: Report, fmt: str, fail_on: str, path: str) -> HttpResponse:
    passed = report.passed(fail_on)
    if fmt == "json":
        response: HttpResponse = JsonResponse(
            report_dict(report, fail_on=fail_on), json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(
            render(report, fmt, fail_on=fail_on, path=path), content_type=CONTENT_TYPES[fmt]
        )
    response["X-Workbench-Passed"] = "true" if passed else "false"
    return response


@router.post("/validate", auth=workbench_auth, openapi_extra=MODEL_BODY)
def validate_model(
    request: HttpRequest, format: str = "json", fail_on: str = "error", path: str = "workbench.yaml"
) -> HttpResponse:
    """Check a model file against the rules without storing it (for CI pipelines)."""
    bad = _params(format, fail_on)
    if bad is not None:
        return bad
    enforce_rate(request)
    source = read_body(request, server_limits())
    if not source.strip():
        return error(
            400,
            "the body is empty; send the model file (YAML or JSON), or upload "
            "it as the multipart part 'file'",
        )
    # A big model makes many objects and no reference cycles: keep the collector out.
    with gc_paused():
        report = model_check_source(source=source)
        return _respond(report, format, fail_on, path)


@router.get("/models/{int:model_id}/findings", auth=workbench_auth)
def list_model_findings(
    request: HttpRequest,
    model_id: int,
    format: str = "json",
    fail_on: str = "error",
    path: str = "workbench.yaml",
) -> HttpResponse:
    """The findings of a stored model the caller may view."""
    bad = _params(format, fail_on)
    if bad is not None:
        return bad
    arch = architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need="viewer"
    )
    report = model_check(model=architecture_model(arch), content_hash=arch.content_hash)
    return _respond(report, format, fail_on, path)


@router.get("/rules", auth=None)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """Every rule with its documentation: why, a failing and a passing model, configuration."""
    return all_rule_docs()


@router.get("/rules/{rule_id}", auth=None)
def get_rule(request: HttpRequest, rule_id: str) -> Any:
    rules = load_catalog()
    if rule_id not in rules:
        return error(404, f"unknown rule '{rule_id}'{did_you_mean(rule_id, rules)}")
    return rule_doc(rule_id)
