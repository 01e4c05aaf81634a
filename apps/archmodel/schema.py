"""The JSON Schema (draft 2020-12) of ``workbench/v1``, generated from ``spec``.

It describes the structure; cross-references (ids that must exist, apis of the callee) are
checked by the loader and described in MODEL_FORMAT.md.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from . import spec as S
from .quantity import QUANTITY_PATTERN

SCHEMA_ID = "https://workbench.invalid/schemas/workbench-v1.json"


def _type(t: S.T) -> dict[str, Any]:
    cls = type(t)
    out: dict[str, Any]
    if cls is S.Str:
        out = {"type": "string", "maxLength": t.max_length}  # type: ignore[attr-defined]
        if t.quantity:  # type: ignore[attr-defined]
            out["pattern"] = QUANTITY_PATTERN
    elif cls is S.Slug:
        out = {"type": "string", "pattern": S.SLUG_RE.pattern}
        if t.ref:  # type: ignore[attr-defined]
            out["description"] = "id of " + " or ".join(t.ref)  # type: ignore[attr-defined]
    elif cls is S.Int:
        out = {"type": "integer"}
        if t.minimum is not None:  # type: ignore[attr-defined]
            out["minimum"] = t.minimum  # type: ignore[attr-defined]
        if t.maximum is not None:  # type: ignore[attr-defined]
            out["maximum"] = t.maximum  # type: ignore[attr-defined]
    elif cls is S.Num:
        out = {"type": "number"}
        for key, bound in (
            ("minimum", t.minimum),  # type: ignore[attr-defined]
            ("maximum", t.maximum),  # type: ignore[attr-defined]
            ("exclusiveMinimum", t.exclusive_minimum),  # type: ignore[attr-defined]
            ("exclusiveMaximum", t.exclusive_maximum),  # type: ignore[attr-defined]
        ):
            if bound is not None:
                out[key] = bound
    elif cls is S.Bool:
        out = {"type": "boolean"}
    elif cls is S.Enum:
        out = {"enum": list(t.values)}  # type: ignore[attr-defined]
    elif cls is S.Date:
        out = {"type": "string", "format": "date", "pattern": S.DATE_RE.pattern}
    elif cls is S.AnyJSON:
        out = {}
    elif cls is S.ListOf:
        out = {"type": "array", "items": _type(t.item)}  # type: ignore[attr-defined]
    elif cls is S.MapOf:
        out = {"type": "object", "additionalProperties": _type(t.value)}  # type: ignore[attr-defined]
    elif cls is S.OneOf:
        out = {"anyOf": [_type(o) for o in t.options]}  # type: ignore[attr-defined]
    elif cls is S.Obj:
        out = {"$ref": f"#/$defs/{t.name}"}  # type: ignore[attr-defined]
    else:
        raise TypeError(t)
    if t.description and "description" not in out:
        out["description"] = t.description
    return out


def _object(obj: S.Obj) -> dict[str, Any]:
    props = {}
    for f in obj.fields:
        p = _type(f.type)
        if f.description:
            p = {**p, "description": f.description}
        if f.default is not None:
            p = {**p, "default": f.default}
        props[f.name] = p
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "patternProperties": {"^x-": {}},
        "additionalProperties": False,
    }
    required = [f.name for f in obj.fields if f.required]
    if required:
        schema["required"] = required
    if obj.shorthand:
        return {
            "anyOf": [_type(obj.by_name[obj.shorthand].type), schema],
            "description": f"a bare value is shorthand for {{{obj.shorthand}: value}}",
        }
    return schema


def _walk(t: S.T, seen: dict[str, S.Obj]) -> None:
    cls = type(t)
    if cls is S.Obj:
        if t.name in seen:  # type: ignore[attr-defined]
            return
        seen[t.name] = t  # type: ignore[attr-defined,assignment]
        for f in t.fields:  # type: ignore[attr-defined]
            _walk(f.type, seen)
    elif cls is S.ListOf:
        _walk(t.item, seen)  # type: ignore[attr-defined]
    elif cls is S.MapOf:
        _walk(t.value, seen)  # type: ignore[attr-defined]
    elif cls is S.OneOf:
        for o in t.options:  # type: ignore[attr-defined]
            _walk(o, seen)


@cache
def model_json_schema() -> dict[str, Any]:
    """The published schema; nullable optionals are accepted by the loader but not advertised."""
    objs: dict[str, S.Obj] = {}
    _walk(S.MODEL, objs)
    defs = {name: _object(o) for name, o in objs.items() if name != "model"}
    root = _object(S.MODEL)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Architecture Workbench model (workbench/v1)",
        **root,
        "$defs": defs,
    }
