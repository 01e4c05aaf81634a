"""The findings JSON: ``{model, fail_on, passed, summary, findings}``."""

from __future__ import annotations

import json
from typing import Any

from ..findings import Report


def report_dict(report: Report, *, fail_on: str = "error") -> dict[str, Any]:
    return {
        "model": report.model,
        "fail_on": fail_on,
        "passed": report.passed(fail_on),
        "summary": report.summary,
        "disabled": list(report.disabled),
        "findings": [f.as_dict() for f in report.findings],
    }


def report_json(report: Report, *, fail_on: str = "error") -> str:
    return json.dumps(report_dict(report, fail_on=fail_on), indent=2, ensure_ascii=False) + "\n"
