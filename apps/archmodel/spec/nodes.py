"""The schema-node vocabulary the format is written in: a field type is one of the small
classes below, ``Field`` names one field of an ``Obj``, and ``_f`` is the short way to write one.
``SLUG_RE`` and ``DATE_RE`` are what a ``Slug`` and a ``Date`` accept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class T:
    """A field type."""

    description = ""


@dataclass
class Str(T):
    max_length: int = 10_000
    description: str = ""
    quantity: str = ""  # "cpu" or "memory": a Kubernetes resource quantity (see ..quantity)


@dataclass
class Slug(T):
    """An id (or a reference to one). ``ref`` names the element kinds a reference may point to."""

    ref: tuple[str, ...] = ()
    description: str = ""


@dataclass
class Int(T):
    minimum: int | None = 0
    maximum: int | None = None
    description: str = ""


@dataclass
class Num(T):
    """A number (int or float); ``exclusive_*`` bounds exclude the bound itself."""

    minimum: float | None = None
    description: str = ""
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None


@dataclass
class Bool(T):
    description: str = ""


@dataclass
class Enum(T):
    values: tuple[Any, ...] = ()
    description: str = ""


@dataclass
class Date(T):
    description: str = "a date, YYYY-MM-DD"


@dataclass
class AnyJSON(T):
    """Free-form JSON data (an event's JSON Schema)."""

    description: str = ""


@dataclass
class ListOf(T):
    item: T = field(default_factory=Str)
    description: str = ""


@dataclass
class MapOf(T):
    value: T = field(default_factory=Str)
    description: str = ""


@dataclass
class OneOf(T):
    """The first option whose JSON type matches is the one validated."""

    options: tuple[T, ...] = ()
    description: str = ""


@dataclass
class Field:
    name: str
    type: T
    required: bool = False
    default: Any = None  # built-in default, documentation and JSON Schema only
    description: str = ""


@dataclass
class Obj(T):
    name: str = ""
    fields: tuple[Field, ...] = ()
    shorthand: str | None = None  # the field a bare scalar stands for
    description: str = ""

    def __post_init__(self) -> None:
        self.by_name = {f.name: f for f in self.fields}
        self.order = {f.name: i for i, f in enumerate(self.fields)}


def _f(
    name: str, type_: T, required: bool = False, default: Any = None, description: str = ""
) -> Field:
    return Field(name, type_, required, default, description)
