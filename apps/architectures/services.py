"""Writes to stored models. Each one validates, appends revision n+1 and moves the model to
it in one transaction under a row lock, then broadcasts ``model.changed`` after commit.

Errors callers map to statuses: ``ModelInvalid`` (422), ``OpError`` (422), ``StaleRevision``
(409), ``NameTaken`` (409), ``Http404`` (missing revision).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404

from apps.archmodel import Limits, Model, ModelError, ModelInvalid, load_model, model_from_data
from apps.archmodel.delta import apply_delta, document_delta
from apps.archmodel.diff import diff_documents, summarize
from apps.archmodel.ops import apply_ops
from apps.workspaces.errors import Conflict
from apps.workspaces.models import Workspace
from apps.workspaces.principal import Principal

from .events import broadcast_model_changed
from .fields import canonical_json, text_hash
from .models import Architecture, Revision
from .selectors import cached_model, remember_model, revision_document

log = logging.getLogger(__name__)

MAX_SUMMARY_LINES = 200
SNAPSHOT_EVERY = 50  # a revision stores its whole document this often, else its delta
# model.changed carries the revision's delta up to this size (editors apply it instead of
# fetching the model); a larger change is announced without it and they fetch.
MAX_LIVE_DELTA_BYTES = 256 * 1024


class StaleRevision(Conflict):
    """A whole-document write based on an old revision (optimistic concurrency)."""

    def __init__(self, *, base_revision: int, current_revision: int):
        super().__init__(
            f"the model changed since revision {base_revision}; it is now at revision "
            f"{current_revision}. Fetch it, merge your changes and retry with "
            f"base_revision={current_revision}",
            current_revision=current_revision,
        )
        self.current_revision = current_revision


class NameTaken(Conflict):
    def __init__(self, name: str):
        super().__init__(f"this workspace already has a model named '{name}'")


def model_limits() -> Limits:
    """The server's limits, read per call so tests and settings overrides apply."""
    return Limits(
        max_bytes=settings.WORKBENCH_MAX_MODEL_BYTES, max_elements=settings.WORKBENCH_MAX_ELEMENTS
    )


@dataclass(frozen=True, slots=True)
class Validated:
    """A valid document: its typed model and its canonical text (computed once, used for the
    size limit, the content hash and the stored row)."""

    model: Model
    text: str
    digest: str  # the content hash of `text`

    @property
    def document(self) -> dict[str, Any]:
        return self.model.document


def validated(source: bytes | str | dict[str, Any]) -> Validated:
    """``source`` (file bytes/text or parsed data) checked against the format and the server's
    limits; raises ModelInvalid."""
    limits = model_limits()
    if isinstance(source, dict):
        model = model_from_data(source, limits=limits)
    else:
        model = load_model(source, limits=limits)
    text = canonical_json(model.document)
    size = len(text.encode())
    if size > limits.max_bytes:
        raise ModelInvalid(
            [
                ModelError(
                    "",
                    f"the model would be {size:,} bytes; the limit is {limits.max_bytes:,} "
                    "(WORKBENCH_MAX_MODEL_BYTES)",
                    "limit",
                )
            ]
        )
    return Validated(model, text, text_hash(text))


def validate_document(source: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The canonical document of ``source``; raises ModelInvalid."""
    return validated(source).document


def _summary(lines: list[str]) -> str:
    if len(lines) > MAX_SUMMARY_LINES:
        lines = [*lines[:MAX_SUMMARY_LINES], f"... and {len(lines) - MAX_SUMMARY_LINES} more"]
    return "\n".join(lines)


def _author(actor: Principal) -> dict[str, Any]:
    return {"author": actor.user if actor.token is None else None, "author_label": actor.label}


def _name_free(workspace_id: int, name: str, exclude: int | None = None) -> None:
    qs = Architecture.objects.filter(workspace_id=workspace_id, name=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise NameTaken(name)


def architecture_create(
    *,
    workspace: Workspace,
    actor: Principal,
    source: bytes | str | dict[str, Any] | None = None,
    name: str | None = None,
    title: str | None = None,
) -> Architecture:
    """A new stored model at revision 1, from a file, parsed data, or just a name."""
    if source is None:
        source = {"apiVersion": "workbench/v1", "name": name or ""}
        if title:
            source["title"] = title
    new = validated(source)
    document = new.document
    renamed = name is not None and name != document["name"]
    retitled = title is not None and title != document.get("title")
    if renamed or retitled:
        # The request names the model: the document follows it (validated again).
        document = dict(document)
        if name is not None:
            document["name"] = name
        if title is not None:
            document["title"] = title
        new = validated(document)
        document = new.document
    stored: Any = new.text  # DocumentField writes a str unchanged
    try:
        with transaction.atomic():
            _name_free(workspace.pk, document["name"])
            arch = Architecture.objects.create(
                workspace=workspace,
                name=document["name"],
                title=document.get("title") or "",
                document=stored,
                content_hash=new.digest,
                revision=1,
            )
            Revision.objects.create(
                architecture=arch,
                number=1,
                document=stored,
                content_hash=new.digest,
                summary="created",
                changes={"kind": "create"},
                **_author(actor),
            )
    except IntegrityError as exc:  # a concurrent create took the name
        raise NameTaken(document["name"]) from exc
    arch.document = document
    remember_model(new.digest, new.model)
    log.info("created model %s in workspace %s", arch.pk, workspace.pk)
    return arch


def _locked(architecture_id: int) -> Architecture:
    """The architecture, row-locked until the transaction ends. Its document is read only when
    used: ``_current_document`` usually finds it already parsed."""
    try:
        return Architecture.objects.select_for_update().defer("document").get(pk=architecture_id)
    except Architecture.DoesNotExist as exc:
        raise Http404("No such model") from exc


def _current_document(arch: Architecture) -> dict[str, Any]:
    """The locked architecture's document, from the in-process model cache when it is there
    (parsing a 5,000-service document takes 0.15 s), else from the row. Treat it as read-only:
    ops copy on write, and the delta and diff only read it."""
    model = cached_model(arch.content_hash)
    return model.document if model is not None else arch.document


def _write(
    arch: Architecture,
    new: Validated,
    *,
    previous: dict[str, Any],
    actor: Principal,
    lines: list[str],
    changes: dict[str, Any],
    ops: list[Any] | None,
) -> Revision:
    """Append revision n+1 (``previous`` is revision n's document) and move the (locked)
    architecture to it; the typed model goes into the model cache; broadcast after commit."""
    document = new.document
    if document["name"] != arch.name:
        _name_free(arch.workspace_id, document["name"], exclude=arch.pk)
    number = arch.revision + 1
    # Serialised once (in `validated`): the same canonical text is hashed and stored
    # (DocumentField stores a str as it is); a large model's JSON takes longer to write than to
    # change.
    text, digest = new.text, new.digest
    stored: Any = text  # DocumentField writes a str unchanged
    change = document_delta(previous, document)
    change_text = canonical_json(change)
    delta = _delta_text(previous, change, change_text, text, number)
    revision = Revision.objects.create(
        architecture=arch,
        number=number,
        document=None if delta is not None else stored,
        delta=delta,
        content_hash=digest,
        summary=_summary(lines),
        changes=changes,
        **_author(actor),
    )
    revision.document = document
    arch.document = stored
    arch.content_hash = digest
    arch.revision = number
    arch.name = document["name"]
    arch.title = document.get("title") or ""
    arch.save(update_fields=["document", "content_hash", "revision", "name", "title", "updated"])
    arch.document = document
    # The editor reads the findings and the picture right after an edit: they find the model
    # built. Keyed by content, so a rolled-back write leaves nothing wrong behind.
    remember_model(digest, new.model)
    transaction.on_commit(
        partial(
            broadcast_model_changed,
            architecture_id=arch.pk,
            revision=number,
            author=actor.label,
            ops=ops,
            summary=lines[:MAX_SUMMARY_LINES],
            delta=change if len(change_text) <= MAX_LIVE_DELTA_BYTES else None,
        )
    )
    return revision


def _delta_text(
    previous: dict[str, Any], delta: dict[str, Any], delta_text: str, text: str, number: int
) -> str | None:
    """The revision's delta (``delta``, from the one before it, as text) to store, or None to
    store a snapshot instead: every SNAPSHOT_EVERY revisions (so reading one replays a bounded
    chain), when the delta is not much smaller than the document, or if replaying it would not
    give the same text."""
    if number % SNAPSHOT_EVERY == 0:
        return None
    if len(delta_text) * 2 > len(text):
        return None
    if canonical_json(apply_delta(previous, delta)) != text:
        log.error("revision %s: its delta does not replay exactly; stored whole", number)
        return None
    return delta_text


def architecture_apply_ops(
    *, architecture_id: int, ops: list[dict[str, Any]], actor: Principal
) -> tuple[Revision, bool]:
    """Applies element ops atomically to the current document (no base revision needed: ops
    address elements, so concurrent edits of different elements or fields all survive).

    Returns (revision, changed): ops that leave the document as it was write no revision and
    broadcast nothing; the current revision is returned with ``changed`` False.
    """
    with transaction.atomic():
        arch = _locked(architecture_id)
        previous = _current_document(arch)
        edited, lines = apply_ops(previous, ops)
        new = validated(edited)
        if new.digest == arch.content_hash:
            return arch.revisions.get(number=arch.revision), False
        revision = _write(
            arch,
            new,
            previous=previous,
            actor=actor,
            lines=lines,
            changes={"kind": "ops", "ops": ops},
            ops=ops,
        )
        return revision, True


def architecture_import(
    *,
    architecture_id: int,
    source: bytes | str | dict[str, Any],
    base_revision: int,
    actor: Principal,
) -> tuple[Revision, bool]:
    """Replaces the whole document if ``base_revision`` is current (else StaleRevision).

    Returns (revision, changed): a document equal to the current one writes nothing.
    """
    new = validated(source)  # parse outside the lock: it is the slow part
    with transaction.atomic():
        arch = _locked(architecture_id)
        if base_revision != arch.revision:
            raise StaleRevision(base_revision=base_revision, current_revision=arch.revision)
        if new.digest == arch.content_hash:
            return arch.revisions.get(number=arch.revision), False
        previous = _current_document(arch)
        diff = diff_documents(previous, new.document)
        lines = summarize(diff) or ["reformatted"]
        changes = {"kind": "import", "counts": diff["counts"]}
        revision = _write(
            arch, new, previous=previous, actor=actor, lines=lines, changes=changes, ops=None
        )
        return revision, True


def architecture_revert(*, architecture_id: int, to_revision: int, actor: Principal) -> Revision:
    """A new revision whose document is that of revision ``to_revision`` (validated again, as
    the format's checks may have tightened since)."""
    with transaction.atomic():
        arch = _locked(architecture_id)
        old = Revision.objects.filter(architecture=arch, number=to_revision).first()
        if old is None:
            raise Http404(f"No revision {to_revision}")
        new = validated(revision_document(old))
        previous = _current_document(arch)
        diff = diff_documents(previous, new.document)
        lines = [f"reverted to revision {to_revision}", *summarize(diff)]
        changes = {"kind": "revert", "from_revision": to_revision, "counts": diff["counts"]}
        return _write(
            arch, new, previous=previous, actor=actor, lines=lines, changes=changes, ops=None
        )


def architecture_delete(*, architecture_id: int, actor: Principal) -> None:
    """Deletes the model and its whole history."""
    deleted, _ = Architecture.objects.filter(pk=architecture_id).delete()
    if not deleted:
        raise Http404("No such model")
    log.info("model %s deleted by %s", architecture_id, actor.label)
