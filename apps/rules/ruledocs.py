"""Rule documentation as data: ``docs/<category>.yaml`` holds, per rule, why it matters and a
failing and a passing model (full, small ``workbench/v1`` files). Combined with the registry's
metadata (severity, thresholds, fix) this is what ``GET /api/v1/rules`` and ``/rules/`` serve.
A test loads every snippet: the failing one must fire its rule, the passing one must not."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .registry import CATEGORIES, as_dict, load_catalog, rules_in_order

DOCS_DIR = Path(__file__).parent / "docs"


@cache
def _docs() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for category in CATEGORIES:
        path = DOCS_DIR / f"{category}.yaml"
        if path.exists():
            out.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return out


def rule_doc(rule_id: str) -> dict[str, Any]:
    """The full documentation of one rule; KeyError for an unknown id."""
    r = load_catalog()[rule_id]
    doc = _docs().get(rule_id, {})
    return {
        "rule": as_dict(r),
        "why": doc.get("why", "").strip(),
        "failing": doc.get("failing", ""),
        "passing": doc.get("passing", ""),
        "configuration": {
            "thresholds": dict(r.thresholds),
            "example": _config_example(r.id, r.thresholds),
        },
    }


def _config_example(rule_id: str, thresholds: dict[str, float]) -> str:
    lines = ["validation:", f"  disable: [{rule_id}]            # turn it off",
             f"  severity: {{{rule_id}: error}}   # or warning, info"]
    if thresholds:
        values = ", ".join(f"{k}: {v:g}" for k, v in thresholds.items())
        lines.append(f"  thresholds: {{{rule_id}: {{{values}}}}}")
    return "\n".join(lines) + "\n"


def all_rule_docs() -> list[dict[str, Any]]:
    return [rule_doc(r.id) for r in rules_in_order()]
