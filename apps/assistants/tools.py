"""The bodies of the MCP tools, shared by the offline (stdio) and the remote (HTTP) server.

Framework-free: a ``Model`` (or model source) in, JSON-able data or text out, through the same
core as the CLI and the API (``apps.archmodel``, ``apps.rules.engine``, ``apps.diagrams.render``,
``exporters``). A problem the caller can fix raises ``ToolProblem`` with a message for the
assistant to read; the servers turn it into a tool error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from apps.archmodel import Limits, Model, ModelInvalid, load_model

FAIL_ON = ("error", "warning", "info")
# Text files of an export up to this size are returned inline; larger ones by path and size.
EXPORT_INLINE_BYTES = 64 * 1024
EXPORT_INLINE_TOTAL = 512 * 1024


class ToolProblem(Exception):
    """Bad input to a tool (unknown rule, invalid model, ...): the message is the answer."""

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        if not self.details:
            return self.message
        import json

        return self.message + "\n" + json.dumps(self.details, indent=2, ensure_ascii=False)


def invalid_problem(exc: ModelInvalid) -> ToolProblem:
    return ToolProblem(f"the model is invalid: {len(exc.errors)} error(s)", **exc.as_dict())


def load_source(source: str | bytes, *, limits: Limits) -> Model:
    try:
        return load_model(source, limits=limits)
    except ModelInvalid as exc:
        raise invalid_problem(exc) from None


def validate_source(source: str | bytes, *, limits: Limits) -> dict[str, Any]:
    """Whether ``source`` follows workbench/v1: every error with pointer, line and column."""
    try:
        model = load_model(source, limits=limits)
    except ModelInvalid as exc:
        return {"valid": False, **exc.as_dict()}
    return {"valid": True, "errors": [], **model_summary(model)}


def model_summary(model: Model) -> dict[str, Any]:
    return {
        "name": model.name,
        "services": len(model.services),
        "events": len(model.events),
        "datastores": len(model.datastores),
        "brokers": len(model.brokers),
    }


def check(model: Model, *, fail_on: str = "error") -> dict[str, Any]:
    """The rule engine's findings, in the JSON shape of ``POST /api/v1/validate``."""
    from apps.rules.engine import check_model
    from apps.rules.formats import report_dict

    if fail_on not in FAIL_ON:
        raise ToolProblem(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    try:
        report = check_model(model)
    except ModelInvalid as exc:  # a bad validation: block (rule ids, thresholds)
        raise invalid_problem(exc) from None
    return report_dict(report, fail_on=fail_on)


def diagram_formats() -> tuple[str, ...]:
    """Formats a tool can return as text: Graphviz's SVG and DOT, and diagrams as code."""
    from apps.diagrams.code import CODE_FORMATS

    return ("svg", "dot", *CODE_FORMATS)


def diagram(
    model: Model,
    *,
    view: str,
    fmt: str = "svg",
    domain: str | None = None,
    team: str | None = None,
    focus: str | None = None,
    hops: int = 1,
    findings: bool = True,
    timeout: float = 60.0,
) -> str:
    """One view of the model as text: SVG or DOT (findings drawn), or Mermaid / Structurizr DSL
    / LikeC4 / PlantUML source for the views those languages can express."""
    from apps.diagrams.code import CODE_FORMATS, render_code
    from apps.diagrams.render import VIEWS, DiagramError, Filters, render
    from apps.rules.engine import check_model

    formats = diagram_formats()
    if fmt not in formats:
        raise ToolProblem(f"format must be one of {', '.join(formats)}, not {fmt!r}")
    if view not in VIEWS:
        raise ToolProblem(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    found = None
    if findings:
        try:
            found = check_model(model).findings
        except ModelInvalid as exc:
            raise invalid_problem(exc) from None
    filters = Filters(domain=domain, team=team, focus=focus, hops=hops)
    if fmt in CODE_FORMATS:
        try:
            return render_code(model, view, fmt, findings=found, filters=filters)
        except ValueError as exc:
            raise ToolProblem(str(exc)) from None
    try:
        result = render(model, view, fmt=fmt, findings=found, filters=filters, timeout=timeout)
    except DiagramError as exc:
        raise ToolProblem(str(exc)) from None
    return result.content.decode("utf-8")


def export(model: Model, *, target: str = "all") -> tuple[dict[str, Any], bytes]:
    """The export bundle (as ``workbench export`` builds it): a summary with the files (small
    text files inline) and the deterministic zip."""
    from exporters import TARGET_CHOICES, ExportError, export_bundle

    if target not in TARGET_CHOICES:
        raise ToolProblem(f"target must be one of {', '.join(TARGET_CHOICES)}, not {target!r}")
    try:
        bundle = export_bundle(model, target=target)
    except ExportError as exc:
        raise ToolProblem("the model cannot be exported", problems=list(exc.problems)) from None
    data = bundle.to_zip()
    files: list[dict[str, Any]] = []
    budget = EXPORT_INLINE_TOTAL
    for path in sorted(bundle.files):
        content = bundle.files[path]
        entry: dict[str, Any] = {"path": path, "bytes": len(content)}
        if len(content) <= min(EXPORT_INLINE_BYTES, budget):
            try:
                entry["text"] = content.decode("utf-8")
                budget -= len(content)
            except UnicodeDecodeError:
                pass
        files.append(entry)
    summary = {
        "bundle": bundle.name,
        "target": target,
        "zip_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "files": files,
    }
    return summary, data


def rule_list() -> list[dict[str, Any]]:
    """The rule catalog: id, title, category, severity, summary."""
    from apps.rules.registry import rules_in_order

    return [
        {
            "id": r.id,
            "title": r.title,
            "category": r.category,
            "severity": r.severity,
            "summary": r.summary,
        }
        for r in rules_in_order()
    ]


def explain_rule(rule_id: str) -> dict[str, Any]:
    """One rule's documentation: why it matters, a failing and a passing model, the fix and
    its configuration (``GET /api/v1/rules/{id}``)."""
    from apps.rules.registry import did_you_mean, load_catalog
    from apps.rules.ruledocs import rule_doc

    rules = load_catalog()
    if rule_id not in rules:
        raise ToolProblem(f"unknown rule {rule_id!r}{did_you_mean(rule_id, rules)}")
    return rule_doc(rule_id)


# Tools another part of the workbench adds to both servers, e.g. the analysis (issue 13):
# ``(name, description, fn(model, **arguments) -> JSON-able)``. See ``analysis.py``.
ModelTool = tuple[str, str, Callable[..., Any]]
