"""A small, fast YAML emitter for plain data (dicts with string keys, lists, scalars).

PyYAML's pure-Python emitter takes seconds on a 5,000-service model; this one writes the same
shape directly. The style is the canonical one: block structure, short mappings and lists of
scalars inline (``{to: b, timeout_ms: 800}``, ``[web]``), multi-line text as literal blocks,
a blank line before each top-level section. Scalars are written plain only when they read back
as the same string; otherwise quoted (single quotes when possible, else double with escapes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .scalars import _BOOL_RE, _FLOAT_RE, _INT_RE, _NULL_RE

INLINE_WIDTH = 80

# Characters YAML cannot hold raw in any scalar: C0 controls except tab/newline, DEL, C1
# controls except NEL, surrogates and the two non-characters.
_NON_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\ufeff]"
)
_BLOCK_SAFE = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n\r\t]*$")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
_SPECIAL_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _starts_plain(text: str) -> bool:
    """Can ``text`` start a plain scalar? A leading '-' can, unless a space or nothing follows."""
    if _BLOCK_SAFE.match(text):
        return True
    return (
        text[:1] == "-"
        and len(text) > 1
        and text[1] != " "
        and bool(_BLOCK_SAFE.match("a" + text[1:]))
    )


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or not _starts_plain(text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or _NON_PRINTABLE.search(text):
        return False
    if _SPECIAL_LINE_BREAKS.search(text):
        return False
    if flow and _FLOW_UNSAFE.search(text):
        return False
    if text in ("<<", "=") or text.startswith("---") or text.startswith("..."):
        return False
    first = text[0]
    if first in "yYnNtTfFoO~" and (_BOOL_RE.match(text) or _NULL_RE.match(text)):
        return False
    return not (first in "-+.0123456789" and (_INT_RE.match(text) or _FLOAT_RE.match(text)))


def _quoted(text: str) -> str:
    if (
        "\n" not in text
        and "\t" not in text
        and "\r" not in text
        and not _NON_PRINTABLE.search(text)
        and not _SPECIAL_LINE_BREAKS.search(text)
    ):
        return "'" + text.replace("'", "''") + "'"
    out = json.dumps(text, ensure_ascii=False)
    out = _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return _SPECIAL_LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def scalar(value: Any, flow: bool = False) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent if exponent[0] in '+-' else '+' + exponent}"
        elif "e" in text and text.split("e")[1][0] not in "+-":
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e+{exponent}"
        return text
    text = str(value)
    return text if _plain_ok(text, flow) else _quoted(text)


def _literal_ok(text: str) -> bool:
    return (
        "\n" in text
        and not text.endswith("\n\n")
        and text[:1] not in (" ", "\n")
        and "\r" not in text
        and not _NON_PRINTABLE.search(text)
        and not _SPECIAL_LINE_BREAKS.search(text)
        and "\t" not in text
    )


def _inline_len(value: Any) -> int:
    if isinstance(value, dict):
        return (
            2
            + sum(len(str(k)) + 2 + _inline_len(v) for k, v in value.items())
            + 2 * (len(value) - 1)
        )
    if isinstance(value, list):
        return 2 + sum(_inline_len(v) for v in value) + 2 * (len(value) - 1)
    return len(str(value))


def _inline(value: Any) -> bool:
    """Short mappings and lists of scalars are written on one line."""
    items = value.values() if isinstance(value, dict) else value
    for v in items:
        if isinstance(v, (dict, list)) or (isinstance(v, str) and ("\n" in v or len(v) > 40)):
            return False
    return _inline_len(value) <= INLINE_WIDTH


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{scalar(k, True)}: {scalar(v, True)}" for k, v in value.items()) + "}"
        )
    return "[" + ", ".join(scalar(v, True) for v in value) + "]"


def _value_after_key(value: Any, indent: int, out: list[str], head: str) -> None:
    """Write ``head`` (``key:`` or ``- key:``) and its value."""
    if isinstance(value, dict):
        if not value or _inline(value):
            out.append(f"{head} {_flow(value)}")
        else:
            out.append(head)
            _mapping(value, indent + 2, out)
    elif isinstance(value, list):
        if not value or _inline(value):
            out.append(f"{head} {_flow(value)}")
        else:
            out.append(head)
            _sequence(value, indent + 2, out)
    elif isinstance(value, str) and _literal_ok(value):
        pad = " " * (indent + 2)
        out.append(f"{head} |" + ("" if value.endswith("\n") else "-"))
        out.extend(pad + line if line else "" for line in value.rstrip("\n").split("\n"))
    else:
        out.append(f"{head} {scalar(value)}")


def _mapping(data: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(data.items()):
        prefix = first_prefix if (i == 0 and first_prefix is not None) else pad
        _value_after_key(value, indent, out, f"{prefix}{scalar(key)}:")


def _sequence(data: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in data:
        if isinstance(item, dict) and item and not _inline(item):
            _mapping(item, indent + 2, out, first_prefix=pad + "- ")
        elif isinstance(item, list) and item and not _inline(item):
            out.append(pad + "-")
            _sequence(item, indent + 2, out)
        elif isinstance(item, (dict, list)):
            out.append(f"{pad}- {_flow(item)}")
        elif isinstance(item, str) and _literal_ok(item):
            out.append(f"{pad}- |" + ("" if item.endswith("\n") else "-"))
            out.extend(pad + "  " + line if line else "" for line in item.rstrip("\n").split("\n"))
        else:
            out.append(f"{pad}- {scalar(item)}")


def emit(data: Any) -> str:
    """Canonical YAML text for ``data`` (keys in the order given)."""
    if not isinstance(data, dict):
        out: list[str] = []
        _sequence(data, 0, out) if isinstance(data, list) else out.append(scalar(data))
        return "\n".join(out) + "\n"
    out = []
    for key, value in data.items():
        section: list[str] = []
        _value_after_key(value, 0, section, f"{scalar(key)}:")
        # A blank line before each top-level section that spans several lines, and after it.
        if out and (len(section) > 1 or (out[-1][:1] == " " or out[-1] == "")) and out[-1] != "":
            out.append("")
        out.extend(section)
    return "\n".join(out) + "\n"
