"""Reads of stored models, with permissions; the entry point other apps use.

``architecture_get_for`` checks the principal's role (404 outsider, 403 too low);
``architecture_model`` gives the typed ``apps.archmodel.Model`` of the current document.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.archmodel import Limits, Model, model_from_data
from apps.archmodel.delta import apply_delta
from apps.workspaces.principal import Principal
from apps.workspaces.selectors import require_role, workspace_get_for

from .fields import canonical_json, text_hash
from .models import Architecture, Revision

_CACHE_SIZE = 32
_cache: OrderedDict[str, Model] = OrderedDict()
_cache_lock = threading.Lock()


def architecture_get_for(
    *, principal: Principal, architecture_id: int, need: str = "viewer"
) -> Architecture:
    """The stored model if ``principal`` has at least role ``need`` in its workspace.

    A permission check loads no document: ``document`` is deferred, read only by a caller that
    uses it (and ``architecture_model`` usually finds the parsed model in the cache instead)."""
    arch = (
        Architecture.objects.select_related("workspace")
        .defer("document")
        .filter(pk=architecture_id)
        .first()
    )
    if arch is None:
        raise Http404("No such model")
    try:
        require_role(principal=principal, workspace=arch.workspace, need=need)
    except Http404:
        raise Http404("No such model") from None  # an outsider learns nothing more
    return arch


def architecture_list_for(*, principal: Principal, workspace_id: int) -> QuerySet[Architecture]:
    workspace = workspace_get_for(principal=principal, workspace_id=workspace_id)
    return Architecture.objects.filter(workspace=workspace).defer("document")


def document_model(document: dict[str, Any], digest: str) -> Model:
    """The typed model of a stored (already validated) document, cached by content hash.

    Treat the result as read-only: it is shared between callers in this process.
    """
    model = cached_model(digest)
    if model is not None:
        return model
    # Stored documents passed validation when written; do not re-apply (possibly lowered) limits.
    model = model_from_data(document, limits=Limits.unlimited())
    remember_model(digest, model)
    return model


def cached_model(digest: str) -> Model | None:
    """The typed model of the document with this content hash, if this process has it."""
    with _cache_lock:
        model = _cache.get(digest)
        if model is not None:
            _cache.move_to_end(digest)
        return model


def remember_model(digest: str, model: Model) -> None:
    """Keep a model just built from a document with this content hash (see document_model)."""
    with _cache_lock:
        _cache[digest] = model
        _cache.move_to_end(digest)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def revision_model(revision: Revision) -> Model:
    """The typed ``Model`` of a revision (rebuilt from deltas only if it is not cached)."""
    model = cached_model(revision.content_hash)
    if model is not None:
        return model
    return document_model(revision_document(revision), revision.content_hash)


def architecture_model(architecture: Architecture) -> Model:
    """The typed ``Model`` of the architecture's current document."""
    return document_model(architecture.document, architecture.content_hash)


def revision_list(*, architecture: Architecture) -> QuerySet[Revision]:
    return (
        Revision.objects.filter(architecture=architecture)
        .defer("document", "delta")
        .order_by("-number")
    )


class RevisionUnreadable(RuntimeError):
    """A revision's document could not be rebuilt exactly (it never should)."""


def revision_document(revision: Revision) -> dict[str, Any]:
    """A revision's document: stored whole, or rebuilt from the snapshot before it by replaying
    the deltas since (at most SNAPSHOT_EVERY - 1 of them), checked against its content hash."""
    if revision.delta is None:
        if revision.document is None:
            raise RevisionUnreadable(f"revision {revision.number} has neither document nor delta")
        return revision.document
    earlier = Revision.objects.filter(architecture_id=revision.architecture_id)
    snapshot = (
        earlier.filter(number__lt=revision.number, document__isnull=False)
        .order_by("-number")
        .values_list("number", "document")
        .first()
    )
    if snapshot is None:
        raise RevisionUnreadable(f"revision {revision.number} has no snapshot before it")
    base, stored = snapshot
    document: dict[str, Any] = stored or {}
    deltas = (
        earlier.filter(number__gt=base, number__lte=revision.number)
        .order_by("number")
        .values_list("number", "delta")
    )
    expected = base + 1
    for number, delta in deltas:
        if number != expected or delta is None:
            raise RevisionUnreadable(f"revision {number} breaks the chain after revision {base}")
        document = apply_delta(document, delta)
        expected += 1
    if expected != revision.number + 1:
        raise RevisionUnreadable(f"revision {revision.number}: deltas missing after {base}")
    if text_hash(canonical_json(document)) != revision.content_hash:
        raise RevisionUnreadable(f"revision {revision.number} does not match its content hash")
    return document


def revision_get(*, architecture: Architecture, number: int) -> Revision:
    revision = Revision.objects.filter(architecture=architecture, number=number).first()
    if revision is None:
        raise Http404(f"No revision {number}")
    return revision
