"""Text for people: findings grouped by severity, each with file:line, rule, message and fix,
then a summary line. Colour only when asked (the CLI asks on a TTY without NO_COLOR)."""

from __future__ import annotations

from ..findings import Report
from ..registry import SEVERITIES

COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
DIM, BOLD, RESET = "\033[2m", "\033[1m", "\033[0m"


def report_text(
    report: Report, *, fail_on: str = "error", path: str = "workbench.yaml", colour: bool = False
) -> str:
    def c(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if colour else text

    lines: list[str] = []
    for sev in SEVERITIES:
        group = [f for f in report.findings if f.severity == sev]
        if not group:
            continue
        title = {"error": "Errors", "warning": "Warnings", "info": "Info"}[sev]
        lines.append(c(BOLD + COLOURS[sev], f"{title} ({len(group)})"))
        for f in group:
            where = f"{path}:{f.line}" if f.line else path
            mark = c(DIM, f" [suppressed: {f.suppression_reason}]") if f.suppressed else ""
            lines.append(f"  {where}: {c(COLOURS[sev], sev)} {c(BOLD, f.rule)}: {f.message}{mark}")
            lines.append(c(DIM, f"      fix: {f.fix}"))
        lines.append("")
    s = report.summary
    verdict = "passed" if report.passed(fail_on) else "failed"
    summary = (
        f"{report.model}: {s['error']} error(s), {s['warning']} warning(s), {s['info']} info, "
        f"{s['suppressed']} suppressed — {verdict} (fail on {fail_on})"
    )
    lines.append(c(BOLD + (COLOURS["error"] if verdict == "failed" else "\033[32m"), summary))
    return "\n".join(lines) + "\n"
