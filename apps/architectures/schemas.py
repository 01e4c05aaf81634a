from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ArchitectureIn(Schema):
    """Create a model: a name (an empty model), and/or a file's text or parsed document."""

    name: str | None = Field(default=None, max_length=63)
    title: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, description="The model file's text (YAML or JSON).")
    document: dict[str, Any] | None = Field(default=None, description="The parsed model.")


class ArchitectureOut(Schema):
    id: int
    workspace: int
    name: str
    title: str
    revision: int
    content_hash: str
    created: datetime
    updated: datetime


class ArchitectureDetailOut(ArchitectureOut):
    document: dict[str, Any]


class RevisionOut(Schema):
    number: int
    content_hash: str
    author: str
    created: datetime
    summary: list[str]
    changes: dict[str, Any]


class RevisionDetailOut(RevisionOut):
    document: dict[str, Any]


class WriteOut(Schema):
    """The result of a write: the model now, the revision written, and whether it changed."""

    model: ArchitectureOut
    revision: RevisionOut
    changed: bool
    document: dict[str, Any] | None = Field(
        None,
        description="the document at this revision, when asked for with ?document=true and it "
        "is still the current one (the editor applies it instead of fetching the model again)",
    )
    delta: dict[str, Any] | None = Field(
        None,
        description="with ?delta=true, while this revision is still the current one: its "
        "document as its change from revision `base` (the format of model.changed's delta); a "
        "revision stored whole answers with `document` instead",
    )
    base: int | None = Field(None, description="the revision `delta` was made against")


class DiffOut(Schema):
    model: int
    from_revision: int
    to_revision: int
    elements: dict[str, Any]
    yaml: str
