"""Pages: import (upload → report, or preview diff against a stored model → accept) and drift.
Thin: parse the form, call one service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.architectures import selectors as arch_selectors
from apps.architectures import services as arch_services
from apps.architectures.models import Architecture
from apps.archmodel import ModelInvalid, dump_yaml
from apps.archmodel.diff import summarize
from apps.core.http import principal_of
from apps.workspaces.errors import AccessDenied, Conflict
from apps.workspaces.models import ROLE_RANK, Role
from apps.workspaces.selectors import workspace_get_for, workspace_list_for

from . import services
from .importers import KINDS, ImportInputError, SourceFile
from .uploads import uploaded_files


def _models(request: HttpRequest) -> list[Architecture]:
    out: list[Architecture] = []
    for workspace, _role in workspace_list_for(principal=principal_of(request)):
        out += list(Architecture.objects.filter(workspace=workspace).defer("document"))
    return out


def _files(request: HttpRequest, field: str = "files") -> list[SourceFile]:
    return uploaded_files(request, (field,), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"kinds": KINDS, "models": _models(request), "form": request.POST}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        model_id = request.POST.get("model") or ""
        try:
            files = _files(request)
            if not files:
                raise ImportInputError.one("choose at least one file")
            if model_id:
                arch = arch_selectors.architecture_get_for(
                    principal=principal_of(request), architecture_id=int(model_id), need="editor"
                )
                preview = services.import_preview_for(
                    architecture=arch,
                    kind=kind,
                    files=files,
                    service=request.POST.get("service") or None,
                    remove=request.POST.get("remove") == "on",
                    profiles=request.POST.getlist("profile"),
                )
                context.update(
                    preview=preview,
                    arch=arch,
                    report=preview["report"],
                    summary=summarize(preview["diff"]),
                    document_json=json.dumps(preview["document"]),
                )
            else:
                document, report = services.import_run(
                    kind=kind,
                    files=files,
                    name=request.POST.get("name") or None,
                    service=request.POST.get("service") or None,
                    profiles=request.POST.getlist("profile"),
                )
                context.update(
                    yaml=dump_yaml(document),
                    report=report,
                    document_json=json.dumps(document),
                    workspaces=[
                        w
                        for w, role in workspace_list_for(principal=principal_of(request))
                        if ROLE_RANK[Role(role)] >= ROLE_RANK[Role.EDITOR]
                    ],
                )
        except ImportInputError as exc:
            context["errors"] = exc.problems
    return render(request, "imports/import.html", context)


@login_required
@require_http_methods(["POST"])
def import_create_page(request: HttpRequest) -> HttpResponse:
    """The "a new model" path ends here: the imported document becomes a stored model."""
    try:
        workspace_id = int(request.POST.get("workspace", ""))
        document = json.loads(request.POST.get("document", ""))
    except ValueError as exc:
        raise Http404("incomplete import") from exc
    principal = principal_of(request)
    try:
        workspace = workspace_get_for(
            principal=principal, workspace_id=workspace_id, need=Role.EDITOR
        )
        arch = arch_services.architecture_create(
            workspace=workspace, actor=principal, source=document
        )
    except (AccessDenied, Conflict) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("imports:import")
    except ModelInvalid as exc:
        messages.error(request, f"the imported model is invalid: {exc}")
        return redirect("imports:import")
    messages.success(request, f"Created model {arch.name} from the import.")
    return redirect("editor:model", model_id=arch.pk)


@login_required
@require_http_methods(["POST"])
def import_apply_page(request: HttpRequest) -> HttpResponse:
    try:
        model_id = int(request.POST.get("model", ""))
        base_revision = int(request.POST.get("base_revision", ""))
        document = json.loads(request.POST.get("document", ""))
    except ValueError as exc:
        raise Http404("incomplete preview") from exc
    arch_selectors.architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need="editor"
    )
    try:
        revision, changed = services.import_apply(
            architecture_id=model_id,
            document=document,
            base_revision=base_revision,
            actor=principal_of(request),
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("imports:import")
    except ModelInvalid as exc:
        messages.error(request, f"the merged model is invalid: {exc}")
        return redirect("imports:import")
    messages.success(
        request,
        f"Imported: revision {revision.number}"
        if changed
        else "Nothing to import: the model already says all of it",
    )
    return redirect("imports:import")


@login_required
@require_http_methods(["GET", "POST"])
def drift_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"models": _models(request), "form": request.POST}
    if request.method == "POST":
        try:
            files = _files(request)
            if not files:
                raise ImportInputError.one("choose the deployment files (compose or manifests)")
            model_id = request.POST.get("model") or ""
            if model_id:
                arch = arch_selectors.architecture_get_for(
                    principal=principal_of(request), architecture_id=int(model_id)
                )
                document = arch.document
            else:
                uploaded = _files(request, "model_file")
                if not uploaded:
                    raise ImportInputError.one("choose a stored model or upload a model file")
                document = services.model_document_from_upload(uploaded[0].content)
            items, report = services.drift_run(
                model_document=document,
                files=files,
                kind=request.POST.get("kind") or None,
                profiles=request.POST.getlist("profile"),
            )
            context.update(items=items, report=report, done=True)
        except ImportInputError as exc:
            context["errors"] = exc.problems
        except ModelInvalid as exc:
            context["errors"] = [f"model file: {e}" for e in exc.errors]
    return render(request, "imports/drift.html", context)
