"""What a check produces: ``Finding``s and the ``Report`` that sorts and counts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .registry import SEVERITIES, SEVERITY_RANK


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    category: str
    target: str
    elements: list[str]
    message: str
    fix: str
    path: str | None
    line: int | None = None
    suppressed: bool = False
    suppression_reason: str | None = None

    def sort_key(self) -> tuple:
        return (SEVERITY_RANK[self.severity], self.rule, self.target, self.path or "", self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "category": self.category,
            "target": self.target,
            "elements": list(self.elements),
            "message": self.message,
            "fix": self.fix,
            "path": self.path,
            "line": self.line,
            "suppressed": self.suppressed,
            "suppression_reason": self.suppression_reason,
        }


@dataclass(slots=True)
class Report:
    model: str
    findings: list[Finding] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)  # rule ids not run (validation.disable)

    @property
    def active(self) -> list[Finding]:
        """Findings that count: everything not suppressed."""
        return [f for f in self.findings if not f.suppressed]

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.active:
            counts[f.severity] += 1
        counts["suppressed"] = len(self.findings) - len(self.active)
        counts["total"] = len(self.findings)
        return counts

    def failing(self, fail_on: str = "error") -> list[Finding]:
        """Unsuppressed findings at or above ``fail_on``."""
        if fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of {', '.join(SEVERITIES)}")
        limit = SEVERITY_RANK[fail_on]
        return [f for f in self.active if SEVERITY_RANK[f.severity] <= limit]

    def passed(self, fail_on: str = "error") -> bool:
        return not self.failing(fail_on)
