"""/api/v1 imports and drift. Thin: read the uploaded files, call one service, shape output.

Errors: unreadable input 422 (``errors``: file, line, column, message), too large 413, unknown
``from`` 400; apply answers like a whole-document import (422 invalid, 409 stale).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema
from pydantic import ValidationError

from apps.architectures import selectors as arch_selectors
from apps.architectures.models import Architecture
from apps.archmodel import ModelInvalid, dump_yaml
from apps.workspaces.auth import workbench_auth
from apps.workspaces.errors import Conflict
from apps.workspaces.principal import Principal

from . import services
from .importers import KINDS, ImportInputError, SourceFile
from .schemas import ImportApplyIn

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


def _principal(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined]  # set by django-ninja auth


def _error(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _input_error(exc: ImportInputError) -> JsonResponse:
    return _error(
        exc.status, str(exc.problems[0]) if exc.problems else "bad input", **exc.as_dict()
    )


def uploaded_files(
    request: HttpRequest, field_names: tuple[str, ...] = ("files", "file")
) -> list[SourceFile]:
    """Every uploaded file of the named parts, within WORKBENCH_MAX_MODEL_BYTES in total."""
    if request.content_type != "multipart/form-data":
        raise ImportInputError.one(
            "send the files as multipart/form-data in parts named 'files'", status=415
        )
    limit = settings.WORKBENCH_MAX_MODEL_BYTES
    out: list[SourceFile] = []
    total = 0
    for field in field_names:
        for upload in request.FILES.getlist(field):
            total += upload.size or 0
            if total > limit:
                raise ImportInputError.one(
                    f"the upload is over {limit:,} bytes (WORKBENCH_MAX_MODEL_BYTES)",
                    upload.name,
                    status=413,
                )
            out.append(SourceFile(upload.name or field, upload.read(limit + 1)))
    if not out:
        raise ImportInputError.one(
            "no files uploaded; send them in multipart parts named 'files'", status=400
        )
    return out


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
    try:
        kind = _kind(request)
        files = uploaded_files(request)
        document, report = services.import_run(
            kind=kind,
            files=files,
            name=request.POST.get("name") or None,
            service=request.POST.get("service") or None,
            profiles=request.POST.getlist("profile"),
        )
    except ImportInputError as exc:
        return _input_error(exc)
    return {"document": document, "yaml": dump_yaml(document), "report": _report_out(report)}


def _arch(request: HttpRequest, model_id: int, need: str) -> Architecture:
    return arch_selectors.architecture_get_for(
        principal=_principal(request), architecture_id=model_id, need=need
    )


@router.post("/models/{int:model_id}/import-preview", openapi_extra=FILES_BODY)
def preview_import(request: HttpRequest, model_id: int) -> Any:
    """Merge an import into the stored model and show the diff (editor). Stores nothing; send
    the returned ``document`` and ``base_revision`` to ``import-apply`` to accept it.
    ``?remove=true`` also removes services, datastores and brokers the import does not have."""
    arch = _arch(request, model_id, "editor")
    try:
        preview = services.import_preview_for(
            architecture=arch,
            kind=_kind(request),
            files=uploaded_files(request),
            service=request.POST.get("service") or None,
            remove=request.GET.get("remove") in ("1", "true", "yes"),
            profiles=request.POST.getlist("profile"),
        )
    except ImportInputError as exc:
        return _input_error(exc)
    preview["report"] = _report_out(preview["report"])
    return preview


@router.post("/models/{int:model_id}/import-apply")
def apply_import(request: HttpRequest, model_id: int) -> Any:
    """Store an accepted preview: JSON ``{document, base_revision}`` (editor); 409 if the model
    changed since ``base_revision``."""
    _arch(request, model_id, "editor")
    try:
        payload = ImportApplyIn.model_validate_json(request.body)
    except ValidationError as exc:
        return JsonResponse(
            {"detail": exc.errors(include_url=False, include_context=False)}, status=422
        )
    try:
        revision, changed = services.import_apply(
            architecture_id=model_id,
            document=payload.document,
            base_revision=payload.base_revision,
            actor=_principal(request),
        )
    except ModelInvalid as exc:
        return _error(422, f"the model is invalid: {len(exc.errors)} error(s)", **exc.as_dict())
    except Conflict as exc:
        return _error(409, exc.message, **exc.extra)
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
    try:
        items, report = services.drift_run(
            model_document=arch.document,
            files=uploaded_files(request),
            kind=request.GET.get("from") or None,
            profiles=request.POST.getlist("profile"),
        )
    except ImportInputError as exc:
        return _input_error(exc)
    return _drift_out(items, report)


@router.post("/drift")
def drift_files(request: HttpRequest) -> Any:
    """Drift between an uploaded ``model`` file and deployment ``files`` (multipart)."""
    try:
        models = uploaded_files(request, ("model",))
        files = uploaded_files(request, ("files", "file"))
        document = services.model_document_from_upload(models[0].content)
        items, report = services.drift_run(
            model_document=document,
            files=files,
            kind=request.GET.get("from") or None,
            profiles=request.POST.getlist("profile"),
        )
    except ImportInputError as exc:
        return _input_error(exc)
    except ModelInvalid as exc:
        return _error(422, f"the model is invalid: {len(exc.errors)} error(s)", **exc.as_dict())
    return _drift_out(items, report)


__all__ = ["ImportQuery", "Query", "router"]
