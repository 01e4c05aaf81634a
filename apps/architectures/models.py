"""Stored models. ``Architecture`` holds the current document; ``Revision`` is the history.

Every write appends revision n+1 (who, when, what changed) and moves ``Architecture`` to it,
in one transaction, under a row lock on the architecture (see docs/storage.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from apps.workspaces.models import Workspace

from .fields import DocumentField, OptionalDocumentField


class Architecture(models.Model):
    """A stored ``workbench/v1`` model: its canonical document at revision ``revision``.

    ``name`` and ``title`` mirror the document's, for listing and uniqueness per workspace.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="architectures")
    name = models.SlugField(max_length=63)
    title = models.CharField(max_length=200, blank=True)
    document = DocumentField()
    content_hash = models.CharField(max_length=64)
    revision = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="architecture_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """One version of an architecture; append-only (saving an existing row is refused).

    A revision stores either its whole ``document`` (a snapshot: the first revision, every
    ``SNAPSHOT_EVERY``-th, and any whose change is large) or its ``delta`` from the revision
    before it (``apps.archmodel.delta``), so an edit costs storage in proportion to what it
    changed. Read a revision's document with ``selectors.revision_document``.

    ``changes`` records what the write was: ``{"kind": "create" | "ops" | "import" |
    "revert", "ops": [...] (ops only), "counts": {...}, "from_revision": n (revert)}``.
    """

    architecture = models.ForeignKey(
        Architecture, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    document = OptionalDocumentField(null=True, blank=True)  # a snapshot, or None: see `delta`
    delta = OptionalDocumentField(null=True, blank=True)  # the change from revision number - 1
    content_hash = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(blank=True)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["architecture_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["architecture", "number"], name="revision_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(document__isnull=False) | models.Q(delta__isnull=False),
                name="revision_document_or_delta",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.architecture_id}@{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("revisions are append-only; write a new revision instead")
        super().save(*args, **kwargs)

    @property
    def summary_lines(self) -> list[str]:
        return [line for line in self.summary.splitlines() if line]
