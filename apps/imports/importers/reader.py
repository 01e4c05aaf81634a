"""Safe reading of the files an importer is given: YAML (one or many documents) or JSON.

Built on the parser's event stream, like the model reader (``apps.archmodel.yamlio``): no
recursion (deep nesting cannot exhaust the stack), no custom tags, no object construction,
and every mapping and list remembers the line it starts on and the line of each key, so the
report can point into the file.

Anchors and aliases are refused, except where a format legitimately uses them (compose files
share settings with ``x-common: &common`` / ``<<: *common``): there ``aliases=True`` expands
them, merge keys included, under an expansion budget (``MAX_EXPANDED_NODES`` copied nodes in
the whole file), so a "billion laughs" file is refused instead of eating the memory.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from apps.archmodel.yamlio import parsers

from .report import ImportInputError, InputProblem

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_STD = "tag:yaml.org,2002:"
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 100
MAX_NODES = 2_000_000


@dataclass
class Doc:
    """One YAML document: ``data`` plus the lines of its mappings, lists and keys."""

    data: Any
    file: str
    line0: int = 1
    lines: dict[int, Any] = field(default_factory=dict)  # id(container) -> (line, {key: line})

    def line(self, obj: Any, key: Any = None) -> int | None:
        """The line of ``obj`` (a mapping or list of this document), or of its ``key``."""
        entry = self.lines.get(id(obj))
        if entry is None:
            return None
        if key is None:
            return entry[0]
        keys = entry[1]
        if isinstance(keys, dict):
            return keys.get(key, entry[0])
        if isinstance(key, int) and 0 <= key < len(keys):
            return keys[key]
        return entry[0]


def _problem(file: str, message: str, mark: Any = None) -> ImportInputError:
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return ImportInputError([InputProblem(file, line, message, col)])


def decode(content: bytes | str, file: str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportInputError.one(
            f"not valid UTF-8 (byte 0x{content[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            file,
            line,
        ) from None


def _scalar(ev: Any, file: str) -> Any:
    value = ev.value
    if ev.style and ev.tag in (None, "!", _STD + "str"):  # quoted/block scalar: a string
        return value
    tag = ev.tag
    if tag in (None, "!"):
        tag = _resolver.resolve(yaml.ScalarNode, value, ev.implicit)
    if tag in (_STD + "str", _STD + "timestamp", _STD + "merge"):
        return value  # dates stay strings; '<<' is handled by the caller
    if tag == _STD + "null":
        return None
    if tag == _STD + "bool":
        return _constructor.construct_yaml_bool(yaml.ScalarNode(tag, value))
    if tag == _STD + "int":
        return _constructor.construct_yaml_int(yaml.ScalarNode(tag, value))
    if tag == _STD + "float":
        number = _constructor.construct_yaml_float(yaml.ScalarNode(tag, value))
        if number != number or number in (float("inf"), float("-inf")):
            raise _problem(file, "infinite and NaN numbers are not allowed", ev.start_mark)
        return number
    raise _problem(file, f"custom tag {ev.tag!r} is not allowed; remove it", ev.start_mark)


class _Budget:
    def __init__(self, file: str):
        self.left = MAX_EXPANDED_NODES
        self.file = file

    def copy(self, value: Any, mark: Any) -> Any:
        """A deep copy of an anchored value, each copied node charged to the budget."""
        if not isinstance(value, dict | list):
            return value
        root: Any = {} if isinstance(value, dict) else []
        stack = [(value, root)]
        while stack:
            src, dst = stack.pop()
            self.left -= 1
            if self.left < 0:
                raise _problem(
                    self.file,
                    f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; "
                    "the file is refused (YAML expansion bomb?)",
                    mark,
                )
            items = src.items() if isinstance(src, dict) else enumerate(src)
            for k, v in items:
                if isinstance(v, dict | list):
                    child: Any = {} if isinstance(v, dict) else []
                    stack.append((v, child))
                else:
                    child = v
                if isinstance(dst, dict):
                    dst[k] = child
                else:
                    dst.append(child)
        return root


def read_yaml(
    content: bytes | str, file: str, *, multi: bool = False, aliases: bool = False
) -> list[Doc]:
    """Every document of the file (``multi=False``: exactly one is allowed).

    Raises ``ImportInputError`` with the file, line and what was expected.
    """
    text = decode(content, file)
    try:
        try:
            return _read(text, file, multi, aliases, parsers.FAST)
        except yaml.MarkedYAMLError as exc:
            if parsers.FAST is parsers.PURE or not parsers.refused_for_depth(exc):
                raise
            # libyaml stopped at its own depth: the part it read is deeper than MAX_DEPTH, so
            # the pure-Python parser meets our limit there (see ``parsers``) and raises it.
            with contextlib.suppress(yaml.MarkedYAMLError):  # not deeper after all: read it all
                _read(parsers.depth_prefix(text, exc), file, multi, aliases, parsers.PURE)
            return _read(text, file, multi, aliases, parsers.PURE)
    except yaml.MarkedYAMLError as exc:
        if text.lstrip()[:1] in "{[":
            try:
                return [Doc(json.loads(text), file)]
            except (ValueError, RecursionError):
                pass
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "cannot read the file"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        raise _problem(file, f"YAML syntax error: {problem}", mark) from None
    except yaml.YAMLError as exc:
        raise ImportInputError.one(f"cannot read the file: {exc}", file, 1) from None


def _read(text: str, file: str, multi: bool, aliases: bool, parser: Any) -> list[Doc]:
    docs: list[Doc] = []
    get_event = parser(text).get_event
    budget = _Budget(file)
    anchors: dict[str, Any] = {}
    open_anchors: set[str] = set()
    # frame: [container, keys-lines, pending_key, key_line, merges, anchor]
    stack: list[list[Any]] = []
    doc: Doc | None = None
    nodes = 0
    alias_message = (
        "YAML anchors and aliases are not allowed in this kind of file; write the value out"
    )

    def put(value: Any, line: int) -> None:
        if not stack:
            assert doc is not None
            doc.data = value
            doc.line0 = line
            return
        frame = stack[-1]
        container = frame[0]
        if type(container) is list:
            container.append(value)
            frame[1].append(line)
        elif frame[2] is _NO_KEY:
            if isinstance(value, dict | list):
                raise _problem(file, "a mapping key must be a plain string", None)
            frame[2] = value if isinstance(value, str) else _key_text(value)
            frame[3] = line
        else:
            key = frame[2]
            frame[2] = _NO_KEY
            if key == "<<" and aliases:
                frame[4].append(value)
                return
            if key in container:
                raise ImportInputError.one(
                    f"duplicate key '{key}' (first at line {frame[1][key]}); keep one of them",
                    file,
                    line,
                )
            container[key] = value
            frame[1][key] = frame[3]

    while True:
        ev = get_event()
        if ev is None:
            break
        cls = type(ev)
        if cls is yaml.ScalarEvent:
            if ev.anchor is not None and not aliases:
                raise _problem(file, alias_message, ev.start_mark)
            value = _scalar(ev, file)
            if ev.anchor is not None:
                anchors[ev.anchor] = value
            put(value, ev.start_mark.line + 1)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            nodes += 1
            if ev.anchor is not None and not aliases:
                raise _problem(file, alias_message, ev.start_mark)
            is_map = cls is yaml.MappingStartEvent
            if ev.tag not in (None, "!", _STD + ("map" if is_map else "seq")):
                raise _problem(
                    file, f"custom tag {ev.tag!r} is not allowed; remove it", ev.start_mark
                )
            if len(stack) >= MAX_DEPTH:
                raise _problem(file, f"nesting deeper than {MAX_DEPTH} levels", ev.start_mark)
            if nodes > MAX_NODES:
                raise _problem(file, f"more than {MAX_NODES:,} mappings and lists", ev.start_mark)
            container: Any = {} if is_map else []
            keys: Any = {} if is_map else []
            assert doc is not None
            doc.lines[id(container)] = (ev.start_mark.line + 1, keys)
            if ev.anchor is not None:
                open_anchors.add(ev.anchor)
            stack.append([container, keys, _NO_KEY, None, [], ev.anchor, ev.start_mark.line + 1])
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            frame = stack.pop()
            container = frame[0]
            for merged in frame[4]:
                sources = merged if isinstance(merged, list) else [merged]
                for source in sources:
                    if not isinstance(source, dict):
                        raise ImportInputError.one(
                            "a merge key '<<' needs a mapping or a list of mappings", file, frame[6]
                        )
                    for k, v in source.items():
                        if k not in container:
                            container[k] = v
                            frame[1].setdefault(k, frame[6])
            if frame[5] is not None:
                anchors[frame[5]] = container
                open_anchors.discard(frame[5])
            put(container, frame[6])
        elif cls is yaml.AliasEvent:
            if not aliases:
                raise _problem(file, alias_message, ev.start_mark)
            if ev.anchor in open_anchors:
                raise _problem(
                    file, f"alias *{ev.anchor} refers to its own enclosing node", ev.start_mark
                )
            if ev.anchor not in anchors:
                raise _problem(file, f"unknown alias *{ev.anchor}", ev.start_mark)
            put(budget.copy(anchors[ev.anchor], ev.start_mark), ev.start_mark.line + 1)
        elif cls is yaml.DocumentStartEvent:
            if docs and not multi:
                raise _problem(
                    file,
                    "the file holds more than one YAML document; one is expected here",
                    ev.start_mark,
                )
            doc = Doc(None, file, ev.start_mark.line + 1)
            anchors.clear()
        elif cls is yaml.DocumentEndEvent:
            assert doc is not None
            docs.append(doc)
            doc = None
    return docs


class _Sentinel:
    pass


_NO_KEY = _Sentinel()


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def read_one(content: bytes | str, file: str, *, aliases: bool = False) -> Doc:
    """The single document of a file; an empty file is an error."""
    docs = read_yaml(content, file, aliases=aliases)
    if not docs or docs[0].data is None:
        raise ImportInputError.one("the file is empty", file, 1)
    return docs[0]
