"""Structural validation against the spec, producing the canonical document in the same pass.

The canonical document is plain data: keys in spec order (``x-*`` keys after them, verbatim),
explicit ``null`` optionals dropped, and objects reduced to their shorthand when only the
shorthand field is set. It is what gets stored and dumped.
"""

from __future__ import annotations

import datetime
import difflib
import re
from typing import Any

from . import spec as S
from .errors import ModelError
from .quantity import quantity_problem


class Path:
    """A lazily rendered JSON pointer: building one per node costs nothing until an error."""

    __slots__ = ("parent", "token")

    def __init__(self, parent: Path | None, token: str | int | None):
        self.parent = parent
        self.token = token

    def child(self, token: str | int) -> Path:
        return Path(self, token)

    def __str__(self) -> str:
        parts: list[str] = []
        node: Path | None = self
        while node is not None and node.token is not None:
            parts.append(str(node.token).replace("~", "~0").replace("/", "~1"))
            node = node.parent
        return "".join("/" + p for p in reversed(parts))


ROOT = Path(None, None)

# PostgreSQL cannot store U+0000 in text, and no name or description needs it.
NUL_MESSAGE = "text may not contain the NUL character (U+0000)"


def type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def nul_path(value: Any, path: Path) -> Path | None:
    """Where free-form data holds a NUL character (in a key or a text), or None."""
    stack = [(value, path)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return at
        elif isinstance(node, dict):
            for k, v in node.items():
                if "\x00" in str(k):
                    return at.child(str(k))
                stack.append((v, at.child(str(k))))
        elif isinstance(node, list):
            stack.extend((v, at.child(i)) for i, v in enumerate(node))
    return None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = "x-" + slug if slug else "element"
    return slug[:63].rstrip("-")


def did_you_mean(word: str, candidates: Any) -> str:
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" — did you mean '{match[0]}'?" if match else ""


class Checker:
    """Walks a document against ``spec.MODEL``; collects errors; returns the canonical document."""

    def __init__(self) -> None:
        self.errors: list[ModelError] = []

    def error(self, path: Path, message: str, kind: str = "value", *, key: bool = False) -> None:
        # Lines are filled in later by the loader, which knows the source.
        self.errors.append(ModelError(str(path) + ("#key" if key else ""), message, kind))

    def check(self, value: Any, t: S.T, path: Path, field_name: str = "") -> Any:
        cls = type(t)
        if cls is S.Obj:
            return self._obj(value, t, path)  # type: ignore[arg-type]
        if cls is S.ListOf:
            if type(value) is not list:
                self.error(path, f"expected a list, got {type_name(value)}", "type")
                return value
            item = t.item  # type: ignore[attr-defined]
            return [self.check(v, item, path.child(i), field_name) for i, v in enumerate(value)]
        if cls is S.Str:
            if type(value) is not str:
                hint = "; put it in quotes" if isinstance(value, (int, float, bool)) else ""
                self.error(path, f"expected text, got {type_name(value)}{hint}", "type")
            elif len(value) > t.max_length:  # type: ignore[attr-defined]
                limit = t.max_length  # type: ignore[attr-defined]
                self.error(
                    path, f"text is {len(value):,} characters; at most {limit:,} allowed", "value"
                )
            elif "\x00" in value:
                self.error(path, NUL_MESSAGE, "value")
            elif t.quantity:  # type: ignore[attr-defined]
                problem = quantity_problem(value, t.quantity)  # type: ignore[attr-defined]
                if problem:
                    self.error(path, problem, "value")
            return value
        if cls is S.Slug:
            if type(value) is not str:
                self.error(
                    path, f"expected an id (a lowercase slug), got {type_name(value)}", "type"
                )
            elif not S.SLUG_RE.match(value):
                what = "an id" if field_name == "id" or not t.ref else "a reference"  # type: ignore[attr-defined]
                self.error(
                    path,
                    f"'{value[:80]}' is not a valid id: use lowercase letters, digits and "
                    f"'-', starting with a letter, at most 63 characters (e.g. "
                    f"'{slugify(value)}')",
                    "bad-id" if what == "an id" else "value",
                )
            return value
        if cls is S.Enum:
            values = t.values  # type: ignore[attr-defined]
            if value not in values or type(value) is not type(values[0]):
                choices = " | ".join(str(v) for v in values)
                self.error(
                    path,
                    f"expected one of {choices}, got {type_name(value)}"
                    f"{did_you_mean(value, values) if isinstance(value, str) else ''}",
                    "value" if isinstance(value, str) else "type",
                )
            return value
        if cls is S.Int:
            if type(value) is not int:
                self.error(path, f"expected a whole number, got {type_name(value)}", "type")
                return value
            lo, hi = t.minimum, t.maximum  # type: ignore[attr-defined]
            if lo is not None and value < lo:
                self.error(path, f"must be at least {lo}, got {value}", "value")
            if hi is not None and value > hi:
                self.error(path, f"must be at most {hi}, got {value}", "value")
            return value
        if cls is S.Bool:
            if type(value) is not bool:
                self.error(path, f"expected true or false, got {type_name(value)}", "type")
            return value
        if cls is S.OneOf:
            return self._one_of(value, t, path, field_name)  # type: ignore[arg-type]
        if cls is S.Num:
            if type(value) not in (int, float):
                self.error(path, f"expected a number, got {type_name(value)}", "type")
            else:
                self._num_range(value, t, path)  # type: ignore[arg-type]
            return value
        if cls is S.MapOf:
            if type(value) is not dict:
                self.error(path, f"expected a mapping, got {type_name(value)}", "type")
                return value
            vt = t.value  # type: ignore[attr-defined]
            for k in value:
                if "\x00" in str(k):
                    self.error(path.child(k), NUL_MESSAGE, "value", key=True)
            return {k: self.check(v, vt, path.child(k), k) for k, v in value.items()}
        if cls is S.Date:
            if isinstance(value, str) and S.DATE_RE.match(value):
                try:
                    datetime.date.fromisoformat(value)
                    return value
                except ValueError:
                    pass
            self.error(path, f"expected a date YYYY-MM-DD, got {type_name(value)}", "type")
            return value
        if cls is S.AnyJSON:
            nul = nul_path(value, path)
            if nul is not None:
                self.error(nul, NUL_MESSAGE, "value")
            return value
        raise TypeError(f"unknown spec type {t!r}")

    def _num_range(self, value: float, t: S.Num, path: Path) -> None:
        if t.minimum is not None and value < t.minimum:
            self.error(path, f"must be at least {t.minimum:g}, got {value:g}", "value")
        if t.maximum is not None and value > t.maximum:
            self.error(path, f"must be at most {t.maximum:g}, got {value:g}", "value")
        if t.exclusive_minimum is not None and value <= t.exclusive_minimum:
            self.error(path, f"must be more than {t.exclusive_minimum:g}, got {value:g}", "value")
        if t.exclusive_maximum is not None and value >= t.exclusive_maximum:
            self.error(path, f"must be less than {t.exclusive_maximum:g}, got {value:g}", "value")

    def _one_of(self, value: Any, t: S.OneOf, path: Path, field_name: str) -> Any:
        for option in t.options:
            oc = type(option)
            if (
                (oc is S.Bool and type(value) is bool)
                or (oc is S.Int and type(value) is int)
                or (oc is S.Enum and type(value) is type(option.values[0]))  # type: ignore[attr-defined]
                or (oc is S.Obj and type(value) is dict)
            ):
                return self.check(value, option, path, field_name)
        self.error(path, f"expected {describe(t)}, got {type_name(value)}", "type")
        return value

    def _obj(self, value: Any, t: S.Obj, path: Path) -> Any:
        if type(value) is not dict:
            if (
                t.shorthand is not None
                and value is not None
                and not isinstance(value, (list, dict))
            ):
                return self.check(value, t.by_name[t.shorthand].type, path, t.shorthand)
            short = f" or a bare {t.shorthand}" if t.shorthand else ""
            self.error(
                path, f"expected a mapping (a {t.name}){short}, got {type_name(value)}", "type"
            )
            return value
        by_name = t.by_name
        order = t.order
        out: dict[str, Any] = {}
        extras: list[tuple[str, Any]] = []
        last, in_order = -1, True
        for key, v in value.items():
            f = by_name.get(key)
            if f is None:
                if key.startswith("x-"):
                    nul = nul_path(v, path.child(key)) if "\x00" not in key else path.child(key)
                    if nul is not None:
                        self.error(nul, NUL_MESSAGE, "value")
                    extras.append((key, v))
                    continue
                self.error(
                    path.child(key),
                    f"unknown key '{key}' in {_a(t.name)}"
                    f"{did_you_mean(key, by_name) or '; expected one of: ' + ', '.join(by_name)}",
                    "unknown-key",
                    key=True,
                )
                continue
            if v is None:
                if f.required:
                    self.error(path.child(key), f"'{key}' is required and cannot be empty", "type")
                continue  # an explicit null is the same as leaving the key out
            position = order[key]
            if position < last:
                in_order = False
            last = position
            ft = f.type
            if _leaf_ok(ft, v):
                out[key] = v  # the common case: a valid scalar, no call and no path object
            else:
                out[key] = self.check(v, ft, path.child(key), key)
        for f in t.fields:
            if f.required and f.name not in out and f.name not in value:
                self.error(path, f"missing required key '{f.name}' in {_a(t.name)}", "value")
        if not in_order:
            out = dict(sorted(out.items(), key=lambda kv: order[kv[0]]))
        if extras:
            out.update(extras)
        elif t.shorthand is not None and len(out) == 1 and t.shorthand in out:
            short = out[t.shorthand]
            if not isinstance(short, (dict, list)):
                return short
        return out


_SLUG_MATCH = S.SLUG_RE.match


def _leaf_ok(t: S.T, v: Any) -> bool:
    """True when ``v`` is a valid value of a scalar type (the full check reports otherwise)."""
    cls = type(t)
    vt = type(v)
    if cls is S.Str:
        return (
            vt is str
            and len(v) <= t.max_length  # type: ignore[attr-defined]
            and "\x00" not in v
            and not t.quantity  # type: ignore[attr-defined]
        )
    if cls is S.Slug:
        return vt is str and _SLUG_MATCH(v) is not None
    if cls is S.Enum:
        values = t.values  # type: ignore[attr-defined]
        return vt is type(values[0]) and v in values
    if cls is S.Bool:
        return vt is bool
    if cls is S.Int:
        if vt is not int:
            return False
        lo, hi = t.minimum, t.maximum  # type: ignore[attr-defined]
        return (lo is None or v >= lo) and (hi is None or v <= hi)
    return False


def _a(name: str) -> str:
    return ("an " if name[:1] in "aeiou" else "a ") + name.replace("-", " ")


def describe(t: S.T) -> str:
    cls = type(t)
    if cls is S.OneOf:
        return " or ".join(describe(o) for o in t.options)  # type: ignore[attr-defined]
    if cls is S.Bool:
        return "true/false"
    if cls is S.Int:
        return "a whole number"
    if cls is S.Enum:
        return " | ".join(str(v) for v in t.values)  # type: ignore[attr-defined]
    if cls is S.Obj:
        return f"a mapping ({t.name})"  # type: ignore[attr-defined]
    return cls.__name__.lower()
