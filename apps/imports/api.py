"""/api/v1 imports and drift. Thin: read the uploaded files, call one service, shape output.

Errors: unreadable input 422 (``errors``: file, line, column, message), too large 413, unknown
``from`` 400; apply answers like a whole-document import (422 invalid, 409 stale).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from apps.architectures import selectors as arch_selectors
from apps.architectures.bodies import BodyError, is_json, parse_json, read_body
from apps.architectures.models import Architecture
from apps.architectures.services import model_limits
from apps.archmodel import dump_yaml
from apps.core.http import principal_of
from apps.workspaces.auth import workbench_auth

from . import services
from .importers import KINDS, ImportInputError
from .schemas import ImportApplyIn
from .uploads import uploaded_files

router = Router(auth=workbench_auth, tags=["imports"])

FILES_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "name": {"type": "string"},
                        "service": {"type": "string"},
                        "profile": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        }
    }
}


class ImportQuery(Schema):  # documented query parameters
    source: str = "compose"
    remove: bool = False

    model_config = {"populate_by_name": True}


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("from", "")
    if kind not in KINDS:
        raise ImportInputError.one(f"?from= must be one of {', '.join(KINDS)}", status=400)
    return kind


def _report_out(report: Any) -> dict[str, Any]:
    return report.as_dict()


@router.post(
    "/import", openapi_extra=FILES_BODY, summary="Import files into a workbench/v1 document"
)
def import_model(request: HttpRequest) -> Any:
    """``?from=compose|kubernetes|openapi|asyncapi|backstage|microtosca``; multipart ``files``
    (one or many; compose: several files merged in upload order, plus env files named ``.env``
    or ``*.env``), optional ``name``, ``service`` and (compose) ``profile`` (repeatable). Returns the document, its canonical YAML
    and the report; nothing is stored."""
    kind = _kind(request)
    files = uploaded_files(request)
    document, report = services.import_run(
        kind=kind,
        files=files,
        name=request.POST.get("name") or None,
        service=request.POST.get("service") or None,
        profiles=request.POST.getlist("profile"),
    )
    return {"document": document, "yaml": dump_yaml(document), "report": _report_out(report)}


def _arch(request: HttpRequest, model_id: int, need: str) -> Architecture:
    return arch_selectors.architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need=need
    )


@router.post("/models/{int:model_id}/import-preview", openapi_extra=FILES_BODY)
def preview_import(request: HttpRequest, model_id: int) -> Any:
    """Merge an import into the stored model and show the diff (editor). Stores nothing; send
    the returned ``document`` and ``base_revision`` to ``import-apply`` to accept it.
    ``?remove=true`` also removes services, datastores and brokers the import does not have."""
    arch = _arch(request, model_id, "editor")
    preview = services.import_preview_for(
        architecture=arch,
        kind=_kind(request),
        files=uploaded_files(request),
        service=request.POST.get("service") or None,
        remove=request.GET.get("remove") in ("1", "true", "yes"),
        profiles=request.POST.getlist("profile"),
    )
    preview["report"] = _report_out(preview["report"])
    return preview


@router.post("/models/{int:model_id}/import-apply")
def apply_import(request: HttpRequest, model_id: int) -> Any:
    """Store an accepted preview: JSON ``{document, base_revision}`` (editor); 409 if the model
    changed since ``base_revision``."""
    _arch(request, model_id, "editor")
    limits = model_limits()
    raw = read_body(request, limits)
    if raw.strip() and not is_json(request):
        raise BodyError(415, "send {document, base_revision} as JSON (application/json)")
    data = parse_json(raw, limits)
    payload = ImportApplyIn.model_validate(data)
    revision, changed = services.import_apply(
        architecture_id=model_id,
        document=payload.document,
        base_revision=payload.base_revision,
        actor=principal_of(request),
    )
    return {"revision": revision.number, "changed": changed}


def _drift_out(items: list[Any], report: Any) -> dict[str, Any]:
    return {
        "drift": bool(items),
        "count": len(items),
        "items": [i.as_dict() for i in items],
        "report": _report_out(report),
    }


@router.post("/models/{int:model_id}/drift", openapi_extra=FILES_BODY)
def drift_model(request: HttpRequest, model_id: int) -> Any:
    """Drift between the stored model and uploaded deployment ``files`` (compose or Kubernetes,
    detected; or ``?from=``) (viewer)."""
    arch = _arch(request, model_id, "viewer")
    items, report = services.drift_run(
        model_document=arch.document,
        files=uploaded_files(request),
        kind=request.GET.get("from") or None,
        profiles=request.POST.getlist("profile"),
    )
    return _drift_out(items, report)


@router.post("/drift")
def drift_files(request: HttpRequest) -> Any:
    """Drift between an uploaded ``model`` file and deployment ``files`` (multipart)."""
    models = uploaded_files(request, ("model",))
    files = uploaded_files(request, ("files", "file"))
    document = services.model_document_from_upload(models[0].content)
    items, report = services.drift_run(
        model_document=document,
        files=files,
        kind=request.GET.get("from") or None,
        profiles=request.POST.getlist("profile"),
    )
    return _drift_out(items, report)


__all__ = ["ImportQuery", "Query", "router"]
