"""The rule registry: every rule of the catalog is a small function registered with ``@rule``.

A rule function takes the per-check ``Context`` and yields ``Hit``s (target, elements, message,
path and, for rules whose severity depends on what they found, a severity). The engine turns
hits into ``Finding``s, applies configuration (disable, severity, thresholds) and suppressions.

To add a rule: write it in ``catalog/<category>.py`` with ``@rule(...)``, document it in
``docs/<category>.yaml`` (why, a failing and a passing model), and add tests.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Context

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # lower = more severe

# Category id -> title, in catalog order.
CATEGORIES: dict[str, str] = {
    "data": "Data",
    "communication": "Communication and coupling",
    "security": "Edge and security",
    "resilience": "Resilience",
    "operations": "Operations",
    "granularity": "Granularity",
    "events": "Events",
    "teams": "Teams",
    "suppressions": "Suppressions",
}


@dataclass(slots=True)
class Hit:
    """What a rule found; the engine adds rule metadata, line and suppression state."""

    target: str
    elements: Iterable[str]
    message: str
    path: str | None = ""  # None: nothing in the model to point at (an implicit journey)
    severity: str | None = None  # None = the rule's (configured) severity


@dataclass(slots=True)
class Rule:
    id: str
    category: str
    severity: str  # the default; "error if ..." variants are computed by the rule and noted here
    title: str
    summary: str  # what it detects, one sentence (RULES.md "detects")
    fix: str
    thresholds: dict[str, float] = field(default_factory=dict)
    severity_note: str = ""  # e.g. "error if ≥2 services write, warning if ..."
    check: Callable[[Context], Iterable[Hit]] | None = None

    @property
    def name(self) -> str:
        """CamelCase name (SARIF ``name``): shared-database -> SharedDatabase."""
        return "".join(part.capitalize() for part in self.id.split("-"))


RULES: dict[str, Rule] = {}


def rule(
    *,
    id: str,
    category: str,
    severity: str,
    title: str,
    summary: str,
    fix: str,
    thresholds: dict[str, float] | None = None,
    severity_note: str = "",
) -> Callable:
    """Register a rule function under ``id``; see the module docstring."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(fn: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"rule {id!r} registered twice")
        RULES[id] = Rule(
            id=id,
            category=category,
            severity=severity,
            title=title,
            summary=summary,
            fix=fix,
            thresholds=dict(thresholds or {}),
            severity_note=severity_note,
            check=fn,
        )
        return fn

    return register


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" — did you mean '{match[0]}'?" if match else ""


def load_catalog() -> dict[str, Rule]:
    """Import every catalog module (registration happens at import) and return the rules."""
    from . import catalog  # noqa: F401

    return RULES


def get_rule(rule_id: str) -> Rule | None:
    return load_catalog().get(rule_id)


def rules_in_order() -> list[Rule]:
    """Rules in catalog order: by category (as in RULES.md), then registration order."""
    rules = list(load_catalog().values())
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(rules, key=lambda r: order[r.category])


def as_dict(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "category": r.category,
        "severity": r.severity,
        "severity_note": r.severity_note,
        "summary": r.summary,
        "fix": r.fix,
        "thresholds": dict(r.thresholds),
    }
