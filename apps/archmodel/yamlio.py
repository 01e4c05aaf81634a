"""Safe YAML/JSON reading with source positions, and canonical YAML writing.

Reading is built on the parser's event stream rather than on a constructor: it never recurses
(deep nesting cannot exhaust the stack), it refuses anchors/aliases (so "billion laughs" cannot
expand), custom tags and duplicate keys, and it records the line and column of every key and
value so errors and findings can point into the file.

Mapping keys are always strings (``on:`` stays ``"on"``), and timestamps are not a type here:
``expires: 2027-06-30`` reads as the string ``"2027-06-30"``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ModelError, ModelInvalid, pointer_split
from .limits import DEFAULT_LIMITS, Limits

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.1 implicit types minus timestamps (dates stay strings in this format).
_BOOL_RE = re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
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


class _Abort(Exception):
    """Stop reading: a limit was hit, or the stream cannot be read further."""


@dataclass(slots=True)
class Parsed:
    """A parsed document: plain data plus where each key and value stood in the source."""

    data: Any
    # id(container) -> {key: (key_line, key_col, value_line, value_col)} for dicts,
    #                  [(line, col), ...] for lists
    marks: dict[int, Any] = field(default_factory=dict)
    root_mark: tuple[int, int] = (1, 1)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of the value at ``pointer`` (of its key with ``key=True``).

        Walks as deep as the pointer resolves and answers the deepest position found, so a
        pointer to a missing key points at its parent mapping.
        """
        node = self.data
        line, col = self.root_mark
        for token in pointer_split(pointer):
            marks = self.marks.get(id(node))
            if isinstance(node, dict) and marks is not None and token in node:
                kl, kc, vl, vc = marks[token]
                line, col = (kl, kc) if key else (vl, vc)
                node = node[token]
            elif isinstance(node, list) and marks is not None and token.isdigit() and int(token) < len(node):
                line, col = marks[int(token)]
                node = node[int(token)]
            else:
                break
        return line, col


def _scalar(ev: Any) -> Any:
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
    kind = tag[len(_STD):]
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


def _decode(source: str | bytes, limits: Limits) -> str:
    if isinstance(source, str):
        size = len(source) if source.isascii() else len(source.encode("utf-8", "surrogatepass"))
        raw = None
    else:
        size, raw = len(source), source
    if size > limits.max_bytes:
        raise ModelInvalid([ModelError(
            "", f"the file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes. "
            "Split the model or ask an administrator to raise WORKBENCH_MAX_MODEL_BYTES.",
            "limit", 1, 1,
        )])
    if raw is None:
        return source  # type: ignore[return-value]
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ModelInvalid([ModelError(
            "", f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8", "syntax", line, col,
        )]) from None


def parse_document(source: str | bytes, *, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Read one YAML (or JSON) document into plain data with positions, or raise ModelInvalid."""
    text = _decode(source, limits)
    parsed = Parsed(data=None)
    marks = parsed.marks
    errors: list[ModelError] = []
    # Each frame: [container, marks_of_container, pending_key, pending_key_mark]
    stack: list[list[Any]] = []
    docs = 0
    nodes = 0
    done = False

    def fail(message: str, mark: Any, kind: str = "syntax") -> None:
        errors.append(ModelError(_pointer(stack), message, kind, mark.line + 1, mark.column + 1))

    def emit(value: Any, mark: Any) -> None:
        nonlocal done
        if not stack:
            parsed.data = value
            parsed.root_mark = (mark.line + 1, mark.column + 1)
            done = True
            return
        frame = stack[-1]
        container = frame[0]
        if type(container) is list:
            container.append(value)
            frame[1].append((mark.line + 1, mark.column + 1))
        elif frame[2] is _NO_KEY:
            if isinstance(value, (dict, list)):
                fail("a mapping key must be a plain string, not a mapping or a list", mark, "type")
                raise _Abort
            key = value if isinstance(value, str) else _key_text(value)
            if key in container:
                kl = frame[1][key][0]
                fail(f"duplicate key '{key}' (first at line {kl}); keep one of them", mark)
                frame[2] = _DUP_KEY
            else:
                frame[2] = key
                frame[3] = mark
        else:
            key = frame[2]
            if key is not _DUP_KEY:
                container[key] = value
                km = frame[3]
                frame[1][key] = (km.line + 1, km.column + 1, mark.line + 1, mark.column + 1)
            frame[2] = _NO_KEY

    try:
        events = yaml.parse(text, Loader=_Parser)
        for ev in events:
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                nodes += 1
                if ev.anchor is not None:
                    fail("YAML anchors and aliases are not allowed; write the value out", ev.start_mark)
                    raise _Abort
                if stack and type(stack[-1][0]) is dict and stack[-1][2] is _NO_KEY and ev.tag in (None, "!", _STD + "str"):
                    value = ev.value  # mapping keys stay strings
                else:
                    try:
                        value = _scalar(ev)
                    except ValueError as exc:
                        fail(str(exc), ev.start_mark, "syntax" if "tag" in str(exc) else "value")
                        value = ev.value
                emit(value, ev.start_mark)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                nodes += 1
                if ev.anchor is not None:
                    fail("YAML anchors and aliases are not allowed; write the value out", ev.start_mark)
                    raise _Abort
                want = _STD + ("map" if cls is yaml.MappingStartEvent else "seq")
                if ev.tag not in (None, "!", want):
                    fail(f"custom tag {ev.tag!r} is not allowed; remove it", ev.start_mark)
                    raise _Abort
                if len(stack) >= limits.max_depth:
                    fail(f"nesting deeper than {limits.max_depth} levels; the model format never "
                         "needs that much", ev.start_mark, "limit")
                    raise _Abort
                if nodes > limits.max_nodes:
                    fail(f"more than {limits.max_nodes:,} YAML nodes", ev.start_mark, "limit")
                    raise _Abort
                container: Any = {} if cls is yaml.MappingStartEvent else []
                cmarks: Any = {} if cls is yaml.MappingStartEvent else []
                marks[id(container)] = cmarks
                emit_mark = ev.start_mark
                stack.append([container, cmarks, _NO_KEY, None, emit_mark])
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                emit(frame[0], frame[4])
            elif cls is yaml.AliasEvent:
                fail("YAML anchors and aliases are not allowed; write the value out", ev.start_mark)
                raise _Abort
            elif cls is yaml.DocumentStartEvent:
                docs += 1
                if docs > 1:
                    fail("the file holds more than one YAML document; keep one model per file",
                         ev.start_mark)
                    raise _Abort
    except _Abort:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "cannot read the file"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        errors.append(ModelError(
            _pointer(stack), f"YAML syntax error: {problem}",
            "syntax", mark.line + 1 if mark else None, mark.column + 1 if mark else None,
        ))
    except yaml.YAMLError as exc:  # reader errors (control characters, ...)
        errors.append(ModelError("", f"cannot read the file: {exc}", "syntax", 1, 1))
    if errors:
        fallback = _json_fallback(text) if text.lstrip()[:1] in "{[" else None
        if fallback is not None:
            return fallback
        raise ModelInvalid(errors)
    if not done:
        raise ModelInvalid([ModelError("", "the file is empty; a model needs at least "
                                       "'apiVersion: workbench/v1' and a 'name'", "syntax", 1, 1)])
    return parsed


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Sentinel("NO_KEY")
_DUP_KEY = _Sentinel("DUP_KEY")


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _pointer(stack: list[list[Any]]) -> str:
    parts = []
    for frame in stack:
        container = frame[0]
        if type(container) is list:
            parts.append(str(len(container)))
        elif frame[2] is not _NO_KEY and frame[2] is not _DUP_KEY:
            parts.append(str(frame[2]).replace("~", "~0").replace("/", "~1"))
    return "".join("/" + p for p in parts)


def _json_fallback(text: str) -> Parsed | None:
    """JSON the YAML parser rejects (rare: tabs, odd escapes) still loads, without positions."""

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key '{k}'")
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    return Parsed(data=data)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


# --- writing ---------------------------------------------------------------------------------


class _CanonicalDumper(yaml.SafeDumper):
    """Block style for structure; short lists and mappings of scalars inline, as people write."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent block sequences inside mappings ("services:\n  - id: ...").
        super().increase_indent(flow, False)


# Dates stay strings: drop the timestamp resolver so '2027-06-30' is written unquoted.
_CanonicalDumper.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != _STD + "timestamp"]
    for k, v in yaml.SafeDumper.yaml_implicit_resolvers.items()
}

_INLINE_WIDTH = 80


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _inline_len(value: Any) -> int:
    if isinstance(value, dict):
        return 2 + sum(len(str(k)) + 2 + _inline_len(v) for k, v in value.items()) + 2 * (len(value) - 1)
    if isinstance(value, list):
        return 2 + sum(_inline_len(v) for v in value) + 2 * (len(value) - 1)
    return len(str(value))


def _short(value: Any, items: Any) -> bool:
    return all(_is_scalar(v) and not (isinstance(v, str) and ("\n" in v or len(v) > 40)) for v in items) and _inline_len(value) <= _INLINE_WIDTH


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = bool(data) and _short(data, data.values())
    return dumper.represent_mapping(_STD + "map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = not data or _short(data, data)
    return dumper.represent_sequence(_STD + "seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data and data == data.strip(" ") and not data.endswith("\n\n") and not any(
        c in data for c in "\r\t\x85\u2028\u2029") else None
    return dumper.represent_scalar(_STD + "str", data, style=style)


_CanonicalDumper.add_representer(dict, _represent_dict)
_CanonicalDumper.add_representer(list, _represent_list)
_CanonicalDumper.add_representer(str, _represent_str)


def dump_yaml_data(data: Any) -> str:
    """Write plain data as canonical YAML (the caller orders the keys).

    A blank line goes before each top-level section that spans several lines, so diffs in git
    read section by section. Literal blocks never keep trailing blank lines ("|+"), so a blank
    line at column 0 can never be part of a value.
    """
    text = yaml.dump(
        data, Dumper=_CanonicalDumper, sort_keys=False, allow_unicode=True,
        default_flow_style=False, width=100, indent=2,
    )
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if i and line[:1] not in ("", " ", "-") and lines[i - 1][:1] == " ":
            out.append("")
        elif i and line[:1] not in ("", " ", "-") and i + 1 < len(lines) and lines[i + 1][:1] == " " and out and out[-1] != "":
            out.append("")
        out.append(line)
    return "\n".join(out)


def dump_json_data(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
