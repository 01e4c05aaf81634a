"""Kubernetes resource quantities (``cpu: 500m``, ``memory: 512Mi``), checked where the model is
validated so that no exporter ever meets a value it cannot carry (``cpu: two``, ``memory: lots``).

The syntax is Kubernetes' own (``k8s.io/apimachinery`` ``resource.Quantity``): a decimal number
with an optional binary suffix (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or
exponent (``e3``). A CPU is a positive number of cores or millicores (``2``, ``0.5``, ``250m``);
a memory size is a positive number of bytes with a suffix (``512Mi``, ``1G``); ``m`` on a memory
size means thousandths of a byte, which is never meant, so it is refused with a suggestion.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

QUANTITY_RE = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$"
)
# The JSON Schema (ECMA-262) pattern of a quantity: the same, without Python's named groups.
QUANTITY_PATTERN = QUANTITY_RE.pattern.replace("?P<number>", "").replace("?P<suffix>", "")

_WORDS = {
    "zero": "0",
    "half": "0.5",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "sixteen": "16",
}
# Units people write that Kubernetes spells differently.
_MEMORY_UNITS = {
    "b": "",
    "byte": "",
    "bytes": "",
    "k": "Ki",
    "kb": "Ki",
    "kib": "Ki",
    "m": "Mi",
    "mb": "Mi",
    "mib": "Mi",
    "g": "Gi",
    "gb": "Gi",
    "gib": "Gi",
    "t": "Ti",
    "tb": "Ti",
    "tib": "Ti",
}
_CPU_UNITS = {"": "", "core": "", "cores": "", "cpu": "", "cpus": "", "vcpu": "", "vcpus": ""}
_CPU_MILLI = {"millicores": "m", "millicore": "m", "mcpu": "m", "mc": "m"}

EXAMPLES = {"cpu": "'500m', '1' or '2.5' (cores)", "memory": "'256Mi', '1Gi' or '512M' (bytes)"}


def _suggest(value: str, kind: str) -> str | None:
    """A corrected spelling of a value that is almost a quantity, or None."""
    text = value.strip().replace(" ", "").replace("_", "")
    lower = text.lower()
    if lower in _WORDS:
        return _WORDS[lower] + ("Gi" if kind == "memory" else "")
    match = re.match(r"^(\d+(?:\.\d+)?|\.\d+)([a-z]*)$", lower)
    if not match:
        return None
    number, unit = match.groups()
    if kind == "cpu":
        if unit in _CPU_UNITS:
            return number
        if unit in _CPU_MILLI:
            return number + "m"
        return None
    if unit in _MEMORY_UNITS:
        return number + _MEMORY_UNITS[unit]
    return None


def quantity_problem(value: str, kind: str) -> str | None:
    """Why ``value`` is not a valid ``kind`` ("cpu" or "memory") quantity, or None if it is."""
    match = QUANTITY_RE.match(value)
    problem: str | None = None
    if match is None:
        problem = f"'{value[:40]}' is not a {kind} quantity"
    else:
        try:
            number = Decimal(match["number"])
        except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
            number = Decimal(-1)
        if number <= 0:
            problem = f"a {kind} quantity must be more than zero, got '{value}'"
        elif kind == "memory" and match["suffix"] in ("m", "u", "n"):
            problem = f"'{value}' is a fraction of a byte ('{match['suffix']}' is milli/micro/nano)"
    if problem is None:
        return None
    hint = _suggest(value, kind)
    if hint is None and match is not None and kind == "memory":
        hint = match["number"] + "Mi" if match["suffix"] == "m" else None
    if hint and hint != value and QUANTITY_RE.match(hint):
        return f"{problem} — did you mean '{hint}'? Kubernetes quantities: {EXAMPLES[kind]}"
    return f"{problem}; write a Kubernetes quantity such as {EXAMPLES[kind]}"


_SCALE = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


def quantity_value(value: str) -> Decimal:
    """The number a valid quantity stands for, in base units (cores, bytes)."""
    match = QUANTITY_RE.match(value)
    if match is None:
        raise ValueError(f"'{value}' is not a Kubernetes quantity")
    suffix = match["suffix"] or ""
    number = Decimal(match["number"])
    if suffix[:1] in ("e", "E"):
        return number * Decimal(10) ** int(suffix[1:])
    return number * _SCALE[suffix]
