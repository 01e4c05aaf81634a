"""Imports and drift with the server's limits and stored models. Importing never stores
anything; applying a preview is a whole-document import based on the preview's revision
(409 if the model changed meanwhile), through ``apps.architectures.services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.architectures import services as arch_services
from apps.architectures.models import Architecture, Revision
from apps.architectures.services import model_limits
from apps.archmodel import dump_yaml, load_model
from apps.archmodel.diff import unified_yaml_diff
from apps.workspaces.principal import Principal

from .drift import DriftItem, deployment_kind, drift
from .importers import ImportInputError, ImportReport, SourceFile, import_files
from .merge import import_preview

DEPLOYMENT_KINDS = ("compose", "kubernetes")


def import_run(
    *,
    kind: str,
    files: list[SourceFile],
    name: str | None = None,
    service: str | None = None,
    profiles: list[str] | None = None,
) -> tuple[dict[str, Any], ImportReport]:
    """Compose: ``files`` may hold several compose files (merged in upload order) and env
    files (named ``.env`` / ``*.env``); ``profiles`` selects services (default: all)."""
    return import_files(
        kind,
        files,
        name=name,
        service=service,
        max_bytes=settings.WORKBENCH_MAX_MODEL_BYTES,
        profiles=profiles or None,
    )


def import_preview_for(
    *,
    architecture: Architecture,
    kind: str,
    files: list[SourceFile],
    service: str | None = None,
    remove: bool = False,
    profiles: list[str] | None = None,
) -> dict[str, Any]:
    """The merged document, the diff from the stored one and the report: nothing stored."""
    document, report = import_run(
        kind=kind, files=files, name=architecture.name, service=service, profiles=profiles
    )
    merged, diff, notes = import_preview(architecture.document, document, remove=remove)
    report.extend(notes)
    return {
        "base_revision": architecture.revision,
        "document": merged,
        "yaml": dump_yaml(merged),
        "diff": diff,
        "yaml_diff": unified_yaml_diff(
            architecture.document, merged, from_label="stored", to_label="merged"
        ),
        "report": report,
    }


def import_apply(
    *, architecture_id: int, document: dict[str, Any], base_revision: int, actor: Principal
) -> tuple[Revision, bool]:
    """Store an accepted preview (validated again; StaleRevision if the model moved on)."""
    return arch_services.architecture_import(
        architecture_id=architecture_id, source=document, base_revision=base_revision, actor=actor
    )


def drift_run(
    *,
    model_document: dict[str, Any],
    files: list[SourceFile],
    kind: str | None = None,
    profiles: list[str] | None = None,
) -> tuple[list[DriftItem], ImportReport]:
    kind = kind or deployment_kind(files)
    if kind not in DEPLOYMENT_KINDS:
        raise ImportInputError.one(
            f"drift compares with compose or kubernetes, not '{kind}'", status=400
        )
    deployed, report = import_run(kind=kind, files=files, profiles=profiles)
    return drift(model_document, deployed), report


def model_document_from_upload(source: bytes) -> dict[str, Any]:
    """A model file uploaded for drift (ModelInvalid if it is not a valid model)."""
    return load_model(source, limits=model_limits()).document
