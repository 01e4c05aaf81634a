"""A JSON document stored as its exact canonical text.

PostgreSQL's ``jsonb`` reorders object keys, but key order is part of the canonical form
(same model in, byte-identical YAML out). Storing the canonical JSON text keeps the order on
every database and makes ``content_hash`` checkable against the stored bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    _Base = models.Field[dict[str, Any], dict[str, Any]]
    _OptionalBase = models.Field[dict[str, Any] | str | None, dict[str, Any] | None]
else:
    _Base = models.TextField
    _OptionalBase = models.TextField


def canonical_json(document: dict[str, Any]) -> str:
    """The stored form of a canonical document: compact JSON, key order kept."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def content_hash(document: dict[str, Any]) -> str:
    return text_hash(canonical_json(document))


def text_hash(text: str) -> str:
    """The content hash of a document already serialised with ``canonical_json``."""
    return hashlib.sha256(text.encode()).hexdigest()


class _DocumentText:
    """A dict in Python, its canonical JSON text in the database (a str is stored as it is)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return canonical_json(value)

    def value_to_string(self, obj: Any) -> str:
        field: Any = self  # a models.Field: see the classes below
        return canonical_json(field.value_from_object(obj))


class DocumentField(_DocumentText, _Base):
    """A dict in Python, its canonical JSON text in the database."""


class OptionalDocumentField(_DocumentText, _OptionalBase):
    """The same, nullable (give it ``null=True``)."""
