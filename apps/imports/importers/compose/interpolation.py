"""Compose variable interpolation, without ever reading the environment."""

from __future__ import annotations

import re
from typing import Any

from ..builder import Where
from ..report import ImportReport

_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value: Any, report: ImportReport, where: Where) -> Any:
    """``${VAR:-default}`` → ``default``; ``${VAR}`` → empty; ``$$`` → ``$``. The environment is
    never read: an import must not depend on (or leak) the machine it runs on."""
    if not isinstance(value, str) or "$" not in value:
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        inner = m.group("braced")
        if inner is None:
            report.guess(
                f"${m.group('plain')} left empty (the environment is never read)",
                where.file,
                where.line,
            )
            return ""
        for op in (":-", "-", ":?", "?", ":+", "+"):
            name, sep, rest = inner.partition(op)
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                if op in (":-", "-"):
                    return rest
                report.guess(
                    f"${{{inner}}} left empty (the environment is never read)",
                    where.file,
                    where.line,
                )
                return ""
        report.guess(
            f"${{{inner}}} left empty (the environment is never read)", where.file, where.line
        )
        return ""

    return _VAR.sub(sub, value)
