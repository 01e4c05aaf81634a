"""Findings that rest on what an import could not know.

An importer marks an element with ``x-imported: {unknown: [...], guessed: {...}}`` (an optional
extension key; see docs/imports.md). ``unknown`` names aspects the source does not describe:
``resilience`` (a compose file or a manifest says nothing about a call's timeout or circuit
breaker) and ``replicas`` (how many instances run in production). A finding that exists only
because such an aspect is absent is kept, but not at a severity that fails CI on a fact nobody
stated: it is capped (``info`` for resilience, ``warning`` for replicas) and says why. Remove the
note, or state the value, and the finding is back at its own severity.
"""

from __future__ import annotations

from typing import Any

from apps.archmodel.types import Model

from .findings import Finding

# rule -> (aspect the element's x-imported.unknown must list, the severity cap)
SOFTENED = {
    "wobbly-call": ("resilience", "info"),
    "missing-timeout": ("resilience", "info"),
    "missing-circuit-breaker": ("resilience", "info"),
    "single-point-of-failure": ("replicas", "warning"),
}
_ORDER = {"info": 0, "warning": 1, "error": 2}


def _unknown(document: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for coll in ("services", "datastores", "brokers"):
        for element in document.get(coll) or []:
            note = element.get("x-imported") if isinstance(element, dict) else None
            if isinstance(note, dict) and isinstance(note.get("unknown"), list):
                out[element["id"]] = {str(u) for u in note["unknown"]}
    return out


def soften_unknowns(model: Model, findings: list[Finding]) -> None:
    unknown = _unknown(model.document)
    if not unknown:
        return
    for f in findings:
        rule = SOFTENED.get(f.rule)
        if rule is None:
            continue
        aspect, cap = rule
        source = f.target.split("->", 1)[0]
        if aspect in unknown.get(source, ()) and _ORDER[f.severity] > _ORDER[cap]:
            f.severity = cap
            f.message += f" ({aspect} not described by the imported source: x-imported)"
