"""/api/v1 endpoints for stored models: CRUD, whole-document import/export, element ops,
revisions, diffs and reverts. Thin: read the body safely, call one service, shape the result.

Every error is JSON with a ``detail``; invalid models and ops add ``errors`` (pointer, line,
column, kind, message); stale writes add ``current_revision``. See docs/api.md.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.errors import HttpError

from apps.archmodel import dump_json, dump_yaml, model_json_schema
from apps.archmodel.diff import diff_documents, unified_yaml_diff
from apps.core.http import error, principal_of
from apps.workspaces.auth import workbench_auth
from apps.workspaces.selectors import workspace_get_for

from . import selectors, services
from .bodies import MODEL_BODY, BodyError, is_json, parse_json, read_body
from .models import Architecture, Revision
from .schemas import (
    ArchitectureDetailOut,
    ArchitectureIn,
    ArchitectureOut,
    DiffOut,
    RevisionDetailOut,
    RevisionOut,
    WriteOut,
)

router = Router(auth=workbench_auth, tags=["models"])

OPS_BODY = {
    "requestBody": {
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
    }
}


def _arch_out(arch: Architecture) -> dict[str, Any]:
    return {
        "id": arch.pk,
        "workspace": arch.workspace_id,
        "name": arch.name,
        "title": arch.title,
        "revision": arch.revision,
        "content_hash": arch.content_hash,
        "created": arch.created,
        "updated": arch.updated,
    }


def _revision_out(rev: Revision) -> dict[str, Any]:
    return {
        "number": rev.number,
        "content_hash": rev.content_hash,
        "author": rev.author_label,
        "created": rev.created,
        "summary": rev.summary_lines,
        "changes": rev.changes,
    }


def _write_out(
    arch_id: int, rev: Revision, changed: bool = True, document: bool = False, delta: bool = False
) -> dict[str, Any]:
    """``document``: add the document at ``rev``; ``delta``: add its change from the revision
    before (``delta`` and ``base``) when it is stored as one, else the document. Either only
    while ``rev`` is current: when someone wrote since, the client fetches the model (and learns
    what they changed) rather than apply a document already behind."""
    whole = document or (delta and (not changed or rev.delta is None))
    arch = (
        Architecture.objects.get(pk=arch_id)
        if whole
        else Architecture.objects.defer("document").get(pk=arch_id)
    )
    out = {"model": _arch_out(arch), "revision": _revision_out(rev), "changed": changed}
    current = arch.revision == rev.number
    if whole:
        out["document"] = arch.document if current else None
    elif delta and current:
        # As written: the stored text; as read back from the database: parsed.
        change = rev.delta
        out["delta"] = json.loads(change) if isinstance(change, str) else change
        out["base"] = rev.number - 1
    return out


def _etag(number: int) -> str:
    return f'"{number}"'


# --- models of a workspace ---------------------------------------------------------------------


@router.get("/workspaces/{int:workspace_id}/models", response=list[ArchitectureOut])
def list_models(request: HttpRequest, workspace_id: int) -> list[dict[str, Any]]:
    rows = selectors.architecture_list_for(
        principal=principal_of(request), workspace_id=workspace_id
    )
    return [_arch_out(a) for a in rows]


@router.post(
    "/workspaces/{int:workspace_id}/models",
    response={201: ArchitectureOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ArchitectureIn.model_json_schema()},
                **MODEL_BODY["requestBody"]["content"],
            }
        }
    },
)
def create_model(request: HttpRequest, workspace_id: int) -> Any:
    """Create a model from JSON ``{name, title, source | document}``, or from a YAML body or
    multipart ``file`` (editor)."""
    principal = principal_of(request)
    workspace = workspace_get_for(principal=principal, workspace_id=workspace_id, need="editor")
    limits = services.model_limits()
    data = read_body(request, limits)
    if is_json(request):
        payload = ArchitectureIn.model_validate(parse_json(data, limits))
        source: Any = payload.source if payload.source is not None else payload.document
        arch = services.architecture_create(
            workspace=workspace,
            actor=principal,
            source=source,
            name=payload.name,
            title=payload.title,
        )
    else:
        arch = services.architecture_create(workspace=workspace, actor=principal, source=data)
    return Status(201, _arch_out(arch))


# --- one model ---------------------------------------------------------------------------------


@router.get("/models/{int:model_id}", response=ArchitectureDetailOut)
def get_model(request: HttpRequest, response: HttpResponse, model_id: int) -> dict[str, Any]:
    arch = selectors.architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    response["ETag"] = _etag(arch.revision)
    return {**_arch_out(arch), "document": arch.document}


@router.delete("/models/{int:model_id}", response={204: None})
def delete_model(request: HttpRequest, model_id: int) -> Status:
    """Deletes the model with its history (owner)."""
    principal = principal_of(request)
    selectors.architecture_get_for(principal=principal, architecture_id=model_id, need="owner")
    services.architecture_delete(architecture_id=model_id, actor=principal)
    return Status(204, None)


def _base_revision(request: HttpRequest, base_revision: int | None) -> int | None:
    if base_revision is not None:
        return base_revision
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise HttpError(400, 'If-Match must be the revision number in quotes, e.g. If-Match: "3"')
    return int(value)


@router.put("/models/{int:model_id}/document", response=WriteOut, openapi_extra=MODEL_BODY)
def import_model(request: HttpRequest, model_id: int, base_revision: int | None = None) -> Any:
    """Replace the whole document (editor). Needs ``base_revision`` or ``If-Match: "<n>"``:
    409 with ``current_revision`` when stale, 428 when missing."""
    principal = principal_of(request)
    arch = selectors.architecture_get_for(
        principal=principal, architecture_id=model_id, need="editor"
    )
    base = _base_revision(request, base_revision)
    if base is None:
        return error(
            428,
            'say which revision you edited: ?base_revision=<n> or If-Match: "<n>"',
            current_revision=arch.revision,
        )
    data = read_body(request, services.model_limits())
    rev, changed = services.architecture_import(
        architecture_id=model_id, source=data, base_revision=base, actor=principal
    )
    return _write_out(model_id, rev, changed)


@router.get("/models/{int:model_id}/export")
def export_model(
    request: HttpRequest, model_id: int, format: str = "yaml", revision: int | None = None
) -> HttpResponse:
    """Download the canonical YAML (default) or JSON, of the current or a given revision."""
    arch = selectors.architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    if format not in ("yaml", "json"):
        raise HttpError(400, "format must be yaml or json")
    number, document = arch.revision, arch.document
    if revision is not None:
        rev = selectors.revision_get(architecture=arch, number=revision)
        number, document = rev.number, selectors.revision_document(rev)
    if format == "yaml":
        response = HttpResponse(dump_yaml(document), content_type="application/yaml; charset=utf-8")
    else:
        response = HttpResponse(dump_json(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{arch.name}.{format}"'
    response["ETag"] = _etag(number)
    return response


@router.post("/models/{int:model_id}/ops", response=WriteOut, openapi_extra=OPS_BODY)
def apply_ops(
    request: HttpRequest, model_id: int, document: bool = False, delta: bool = False
) -> Any:
    """Apply a list of element ops atomically to the current document (editor).
    ``?document=true`` adds the document at the revision written to the answer (``null`` when
    a later write has already moved the model on); ``?delta=true`` adds only its change from
    the revision before (``delta``, ``base``; the document when the revision is stored whole)."""
    principal = principal_of(request)
    selectors.architecture_get_for(principal=principal, architecture_id=model_id, need="editor")
    limits = services.model_limits()
    if not is_json(request):
        raise BodyError(415, "send the ops as JSON (Content-Type: application/json)")
    ops = parse_json(read_body(request, limits), limits)
    if isinstance(ops, dict) and set(ops) == {"ops"}:
        ops = ops["ops"]
    rev, changed = services.architecture_apply_ops(
        architecture_id=model_id, ops=ops, actor=principal
    )
    return _write_out(model_id, rev, changed, document=document, delta=delta)


# --- revisions ---------------------------------------------------------------------------------


@router.get("/models/{int:model_id}/revisions", response=list[RevisionOut])
def list_revisions(request: HttpRequest, model_id: int) -> list[dict[str, Any]]:
    arch = selectors.architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    return [_revision_out(r) for r in selectors.revision_list(architecture=arch)]


@router.get("/models/{int:model_id}/revisions/{int:number}", response=RevisionDetailOut)
def get_revision(request: HttpRequest, model_id: int, number: int) -> dict[str, Any]:
    arch = selectors.architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    rev = selectors.revision_get(architecture=arch, number=number)
    return {**_revision_out(rev), "document": selectors.revision_document(rev)}


@router.get("/models/{int:model_id}/diff", response=DiffOut)
def diff_revisions(
    request: HttpRequest,
    model_id: int,
    from_revision: int | None = Query(None, alias="from"),
    to_revision: int | None = Query(None, alias="to"),
) -> dict[str, Any]:
    """Differences between revisions ``from`` (default: the one before ``to``) and ``to``
    (default: current): element by element, and as a unified YAML diff."""
    arch = selectors.architecture_get_for(principal=principal_of(request), architecture_id=model_id)
    to_n = to_revision if to_revision is not None else arch.revision
    from_n = from_revision if from_revision is not None else max(to_n - 1, 1)
    a = selectors.revision_document(selectors.revision_get(architecture=arch, number=from_n))
    b = selectors.revision_document(selectors.revision_get(architecture=arch, number=to_n))
    return {
        "model": arch.pk,
        "from_revision": from_n,
        "to_revision": to_n,
        "elements": diff_documents(a, b),
        "yaml": unified_yaml_diff(
            a, b, from_label=f"revision {from_n}", to_label=f"revision {to_n}"
        ),
    }


@router.post("/models/{int:model_id}/revisions/{int:number}/revert", response=WriteOut)
def revert_model(request: HttpRequest, model_id: int, number: int) -> Any:
    """A new revision with the document of revision ``number`` (editor)."""
    principal = principal_of(request)
    selectors.architecture_get_for(principal=principal, architecture_id=model_id, need="editor")
    rev = services.architecture_revert(
        architecture_id=model_id, to_revision=number, actor=principal
    )
    return _write_out(model_id, rev)


# --- the format ----------------------------------------------------------------------------


@router.get("/schema/model.json", auth=None, tags=["meta"])
def get_model_schema(request: HttpRequest) -> dict[str, Any]:
    """The JSON Schema of the ``workbench/v1`` model format (public)."""
    return model_json_schema()
