"""The ``workbench/v1`` format as data: one description drives validation, the canonical key
order, the shorthands and the published JSON Schema, so the three can never disagree.

A field type is one of the small classes in ``nodes``. ``Obj`` lists its fields in canonical
order; ``shorthand`` names the field a bare scalar stands for
(``- payments`` == ``{to: payments}``). Every object accepts ``x-*`` keys, kept verbatim.

Modules: ``nodes`` (the schema-node vocabulary: ``T``, ``Str``, ``Slug``, ..., ``OneOf``,
``Field``, ``Obj``, and ``SLUG_RE`` / ``DATE_RE``), ``services`` (the service and what it
carries: calls, apis, operations, routes, replicas, health, deploy; the shared id/title/text
fields), ``document`` (the other element kinds, validation, suppressions, defaults, the
top-level ``MODEL``, ``COLLECTIONS``, ``KIND_COLLECTION`` and ``ELEMENT_SPECS``).
"""

from .document import COLLECTIONS, ELEMENT_SPECS, KIND_COLLECTION, MODEL, SUPPRESSION
from .nodes import (
    DATE_RE,
    SLUG_RE,
    AnyJSON,
    Bool,
    Date,
    Enum,
    Field,
    Int,
    ListOf,
    MapOf,
    Num,
    Obj,
    OneOf,
    Slug,
    Str,
    T,
)
from .services import CALL, ROUTE

__all__ = [
    "CALL",
    "COLLECTIONS",
    "DATE_RE",
    "ELEMENT_SPECS",
    "KIND_COLLECTION",
    "MODEL",
    "ROUTE",
    "SLUG_RE",
    "SUPPRESSION",
    "AnyJSON",
    "Bool",
    "Date",
    "Enum",
    "Field",
    "Int",
    "ListOf",
    "MapOf",
    "Num",
    "Obj",
    "OneOf",
    "Slug",
    "Str",
    "T",
]
