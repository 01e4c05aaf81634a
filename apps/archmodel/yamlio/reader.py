"""Reading a YAML (or JSON) document from the parser's event stream, with limits.

``parse_document`` decodes and size-checks the source, then ``_build`` makes one pass over
the events of the parser ``parsers`` chooses: no recursion, no anchors/aliases, no custom tags or duplicate keys, and the
line and column of every key and value recorded in ``Parsed.marks``. JSON the YAML parser
rejects still loads through ``json``, without positions.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from ..errors import ModelError, ModelInvalid
from ..limits import DEFAULT_LIMITS, Limits
from . import parsers
from .parsed import Parsed
from .scalars import _STD, _scalar


class _Abort(Exception):
    """Stop reading: a limit was hit, or the stream cannot be read further."""


def _decode(source: str | bytes, limits: Limits) -> str:
    if isinstance(source, str):
        size = len(source) if source.isascii() else len(source.encode("utf-8", "surrogatepass"))
        raw = None
    else:
        size, raw = len(source), source
    if size > limits.max_bytes:
        raise ModelInvalid(
            [
                ModelError(
                    "",
                    f"the file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes. "
                    "Split the model or ask an administrator to raise WORKBENCH_MAX_MODEL_BYTES.",
                    "limit",
                    1,
                    1,
                )
            ]
        )
    if raw is None:
        return source  # type: ignore[return-value]
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ModelInvalid(
            [
                ModelError(
                    "",
                    f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                    "save it as UTF-8",
                    "syntax",
                    line,
                    col,
                )
            ]
        ) from None


def parse_document(source: str | bytes, *, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Read one YAML (or JSON) document into plain data with positions, or raise ModelInvalid."""
    text = _decode(source, limits)
    parsed, errors = _read(text, limits, parsers.FAST)
    if errors:
        rejected = errors[0].kind == "syntax" and text.lstrip()[:1] in "{["
        fallback = _json_fallback(text) if rejected else None
        if fallback is not None:
            return fallback
        raise ModelInvalid(errors)
    if parsed.data is None and not parsed.marks:
        raise ModelInvalid(
            [
                ModelError(
                    "",
                    "the file is empty; a model needs at least "
                    "'apiVersion: workbench/v1' and a 'name'",
                    "syntax",
                    1,
                    1,
                )
            ]
        )
    return parsed


def _read(text: str, limits: Limits, parser: Any) -> tuple[Parsed, list[ModelError]]:
    """The data read with ``parser``, and every error met (YAML syntax errors included)."""
    parsed = Parsed(data=None)
    errors: list[ModelError] = []
    try:
        _build(text, parsed, errors, limits, parser)
    except yaml.MarkedYAMLError as exc:
        if parser is not parsers.PURE and parsers.refused_for_depth(exc):
            return _read_deep(text, exc, limits)
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "cannot read the file"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        errors.append(
            ModelError(
                parsed.error_pointer,
                f"YAML syntax error: {problem}",
                "syntax",
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
            )
        )
    except yaml.YAMLError as exc:  # reader errors (control characters, ...)
        errors.append(ModelError("", f"cannot read the file: {exc}", "syntax", 1, 1))
    return parsed, errors


def _read_deep(
    text: str, exc: yaml.MarkedYAMLError, limits: Limits
) -> tuple[Parsed, list[ModelError]]:
    """libyaml refused the nesting before our limit was reached: our limit answers instead
    (see ``parsers``). The part libyaml read is deeper than ``max_depth`` unless the limit was
    raised above libyaml's own; then the whole file is read without libyaml."""
    parsed, errors = _read(parsers.depth_prefix(text, exc), limits, parsers.PURE)
    if errors and errors[0].kind == "limit":
        return parsed, errors
    return _read(text, limits, parsers.PURE)


def _build(
    text: str, parsed: Parsed, errors: list[ModelError], limits: Limits, parser: Any
) -> None:
    """The hot loop: one pass over the parser's events, no recursion, no per-event calls
    beyond the parser's own. Frames are [container, marks, pending_key, key_mark, start_mark]."""
    marks = parsed.marks
    stack: list[list[Any]] = []
    push, pop = stack.append, stack.pop
    get_event = parser(text).get_event
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    mapping_end, sequence_end, alias_event = (
        yaml.MappingEndEvent,
        yaml.SequenceEndEvent,
        yaml.AliasEvent,
    )
    document_start = yaml.DocumentStartEvent
    no_key, dup_key = _NO_KEY, _DUP_KEY
    max_depth, max_nodes = limits.max_depth, limits.max_nodes
    docs = nodes = 0

    def fail(message: str, mark: Any, kind: str = "syntax") -> None:
        errors.append(ModelError(_pointer(stack), message, kind, mark.line + 1, mark.column + 1))

    try:
        while True:
            ev = get_event()
            if ev is None:
                break
            cls = type(ev)
            if cls is scalar_event:
                if ev.anchor is not None:
                    fail(_NO_ALIASES, ev.start_mark)
                    return
                mark = ev.start_mark
                if stack:
                    frame = stack[-1]
                    container = frame[0]
                    if type(container) is list:
                        v = ev.value
                        if ev.tag is not None or (not ev.style and v[:1] not in _PLAIN_STR_START):
                            v = _scalar(ev)
                        container.append(v)
                        frame[1].append(mark)
                    elif frame[2] is no_key:
                        key = (
                            ev.value if ev.tag in (None, "!", _STR_TAG) else _key_text(_scalar(ev))
                        )
                        if key in container or key in frame[1]:
                            first = frame[1][key][0].line + 1
                            fail(
                                f"duplicate key '{key}' (first at line {first}); keep one of them",
                                mark,
                            )
                            frame[2] = dup_key
                        else:
                            frame[2] = key
                            frame[3] = mark
                    else:
                        key = frame[2]
                        if key is not dup_key:
                            v = ev.value
                            if ev.tag is not None or (
                                not ev.style and v[:1] not in _PLAIN_STR_START
                            ):
                                v = _scalar(ev)
                            container[key] = v
                            frame[1][key] = (frame[3], mark)
                        frame[2] = no_key
                else:
                    parsed.data = _scalar(ev)
                    parsed.root_mark = (mark.line + 1, mark.column + 1)
            elif cls is mapping_start or cls is sequence_start:
                nodes += 1
                if ev.anchor is not None:
                    fail(_NO_ALIASES, ev.start_mark)
                    return
                is_map = cls is mapping_start
                if ev.tag not in (None, "!", _MAP_TAG if is_map else _SEQ_TAG):
                    fail(f"custom tag {ev.tag!r} is not allowed; remove it", ev.start_mark)
                    return
                if len(stack) >= max_depth:
                    fail(
                        f"nesting deeper than {max_depth} levels; the model format never needs "
                        "that much",
                        ev.start_mark,
                        "limit",
                    )
                    return
                if nodes > max_nodes:
                    fail(f"more than {max_nodes:,} YAML mappings and lists", ev.start_mark, "limit")
                    return
                container = {} if is_map else []
                cmarks: Any = {} if is_map else []
                marks[id(container)] = cmarks
                push([container, cmarks, no_key, None, ev.start_mark])
            elif cls is mapping_end or cls is sequence_end:
                done = pop()
                value, mark = done[0], done[4]
                if stack:
                    frame = stack[-1]
                    container = frame[0]
                    if type(container) is list:
                        container.append(value)
                        frame[1].append(mark)
                    elif frame[2] is no_key:
                        fail(
                            "a mapping key must be a plain string, not a mapping or a list",
                            mark,
                            "type",
                        )
                        return
                    else:
                        key = frame[2]
                        if key is not dup_key:
                            container[key] = value
                            frame[1][key] = (frame[3], mark)
                        frame[2] = no_key
                else:
                    parsed.data = value
                    parsed.root_mark = (mark.line + 1, mark.column + 1)
            elif cls is alias_event:
                fail(_NO_ALIASES, ev.start_mark)
                return
            elif cls is document_start:
                docs += 1
                if docs > 1:
                    fail(
                        "the file holds more than one YAML document; keep one model per file",
                        ev.start_mark,
                    )
                    return
    except ValueError as exc:  # from _scalar: a bad tag or number, reported where it stands
        mark = getattr(exc, "mark", None)
        errors.append(
            ModelError(
                _pointer(stack),
                str(exc),
                "syntax" if "tag" in str(exc) else "value",
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
            )
        )
    except yaml.MarkedYAMLError:
        parsed.error_pointer = _pointer(stack)
        raise


# A plain scalar starting with one of these can only resolve to a string (not null, bool,
# int or float), so it skips resolution.
_PLAIN_STR_START = frozenset(
    "abcdeghijklmpqrsuvwxzABCDEGHIJKLMPQRSUVWXZ/_$%@`'\"()*^&=|<>?!;,[]{}#"
)
_NO_ALIASES = "YAML anchors and aliases are not allowed; write the value out"
_STR_TAG, _MAP_TAG, _SEQ_TAG = _STD + "str", _STD + "map", _STD + "seq"


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
    last = len(stack) - 1
    for depth, frame in enumerate(stack):
        container = frame[0]
        if type(container) is list:
            if depth < last:  # the item being built; the innermost list is itself the place
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
