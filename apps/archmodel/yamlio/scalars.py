"""Scalar resolution for the reader: YAML 1.1 implicit types minus timestamps, and the
standard tags a model may use. ``emit`` reuses the implicit-type patterns to know when a
string must be quoted.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

# YAML 1.1 implicit types minus timestamps (dates stay strings in this format).
_BOOL_RE = re.compile(
    r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
)
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT_RE = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TRUE = {"yes", "true", "on"}
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_constructor = yaml.constructor.SafeConstructor()


def _scalar(ev: Any) -> Any:
    try:
        return _resolve(ev)
    except ValueError as exc:
        exc.mark = ev.start_mark  # type: ignore[attr-defined]
        raise


def _resolve(ev: Any) -> Any:
    value = ev.value
    tag = ev.tag
    if tag is None or tag == "!":
        if ev.style or not ev.implicit[0]:
            return value  # quoted: always a string
        first = value[:1]
        if _NULL_RE.match(value):
            return None
        if first in "yYnNtTfFoO" and _BOOL_RE.match(value):
            return value.lower() in _TRUE
        if first in "-+0123456789" and _INT_RE.match(value):
            return _constructor.construct_yaml_int(yaml.ScalarNode(_STD + "int", value))
        if first in "-+.0123456789" and _FLOAT_RE.match(value):
            number = _constructor.construct_yaml_float(yaml.ScalarNode(_STD + "float", value))
            if not math.isfinite(number):
                raise ValueError("infinite and NaN numbers are not allowed")
            return number
        return value
    if tag not in _ALLOWED_TAGS:
        raise ValueError(f"custom tag {tag!r} is not allowed; remove it")
    kind = tag[len(_STD) :]
    if kind == "str":
        return value
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() in _TRUE
    if kind == "int":
        return _constructor.construct_yaml_int(yaml.ScalarNode(tag, value))
    if kind == "float":
        number = _constructor.construct_yaml_float(yaml.ScalarNode(tag, value))
        if not math.isfinite(number):
            raise ValueError("infinite and NaN numbers are not allowed")
        return number
    raise ValueError(f"tag {tag!r} cannot be used on a scalar")
