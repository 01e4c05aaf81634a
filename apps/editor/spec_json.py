"""The ``workbench/v1`` spec as JSON for the browser: the inspector builds its forms from it.

The spec (``apps.archmodel.spec``) is data, so the editor never hand-writes a form per element
kind: each ``Obj`` becomes ``{"t": "obj", "fields": [...]}``, each field type a small dict the
client renders as an input, a select, a picker of element ids or a repeatable sub-form.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apps.archmodel import spec as s

# Nested lists that are elements of their own (edited in their own inspector), not fields.
NESTED_ELEMENTS = {"service": ("apis", "calls", "routes"), "actor": ("calls",)}

# What the inspector can create and edit: element kind → its spec and how it is addressed.
EDITABLE: dict[str, s.Obj] = {
    **s.ELEMENT_SPECS,
    "call": s.CALL,
    "route": s.ROUTE,
    "suppression": s.SUPPRESSION,
}


def type_json(t: s.T) -> dict[str, Any]:
    """One field type as JSON; recursive for objects, lists, maps and alternatives."""
    if isinstance(t, s.Obj):
        return {
            "t": "obj",
            "name": t.name,
            "shorthand": t.shorthand,
            "fields": [field_json(f) for f in t.fields],
        }
    if isinstance(t, s.Slug):
        return {"t": "slug", "ref": list(t.ref)}
    if isinstance(t, s.Str):
        return {"t": "str", "max": t.max_length}
    if isinstance(t, s.Int):
        return {"t": "int", "min": t.minimum, "max": t.maximum}
    if isinstance(t, s.Num):
        return {"t": "num", "min": t.minimum}
    if isinstance(t, s.Bool):
        return {"t": "bool"}
    if isinstance(t, s.Enum):
        return {"t": "enum", "values": list(t.values)}
    if isinstance(t, s.Date):
        return {"t": "date"}
    if isinstance(t, s.AnyJSON):
        return {"t": "json"}
    if isinstance(t, s.ListOf):
        return {"t": "list", "item": type_json(t.item)}
    if isinstance(t, s.MapOf):
        return {"t": "map", "value": type_json(t.value)}
    if isinstance(t, s.OneOf):
        return {"t": "oneof", "options": [type_json(o) for o in t.options]}
    raise TypeError(f"no JSON form for spec type {type(t).__name__}")


def field_json(f: s.Field) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": type_json(f.type),
        "required": f.required,
        "default": f.default,
        "help": f.description or f.type.description,
    }


@cache
def editor_spec() -> dict[str, Any]:
    """Every editable kind's form, minus the nested lists edited as elements of their own."""
    kinds = {}
    for kind, obj in EDITABLE.items():
        skip = NESTED_ELEMENTS.get(kind, ())
        data = type_json(obj)
        data["fields"] = [f for f in data["fields"] if f["name"] not in skip]
        kinds[kind] = data
    return {"kinds": kinds, "collections": dict(s.COLLECTIONS)}
