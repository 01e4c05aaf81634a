"""Output formats of a ``Report``: JSON (the API's), SARIF 2.1.0 (GitHub code scanning),
JUnit XML (GitLab/Jenkins test reports) and text (people at a terminal). No Django here."""

from .jsonfmt import report_dict, report_json
from .junit import report_junit
from .sarif import report_sarif
from .text import report_text

FORMATS = ("json", "sarif", "junit")
CONTENT_TYPES = {
    "json": "application/json",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "text": "text/plain; charset=utf-8",
}


def render(report, fmt: str, *, fail_on: str = "error", path: str = "workbench.yaml") -> str:
    """The report in ``fmt`` (json | sarif | junit | text) as text."""
    if fmt == "json":
        return report_json(report, fail_on=fail_on)
    if fmt == "sarif":
        return report_sarif(report, path=path)
    if fmt == "junit":
        return report_junit(report, fail_on=fail_on, path=path)
    if fmt == "text":
        return report_text(report, fail_on=fail_on, path=path)
    raise ValueError(f"unknown format {fmt!r}")


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "render",
    "report_dict",
    "report_json",
    "report_junit",
    "report_sarif",
    "report_text",
]
