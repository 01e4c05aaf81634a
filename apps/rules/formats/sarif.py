"""SARIF 2.1.0, as GitHub code scanning reads it: rule metadata in ``tool.driver.rules`` and
each result located at the model file (``path``) and the line of the element."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..findings import Report
from ..registry import rules_in_order

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://github.com/architecture-workbench/workbench/blob/main/docs/rules.md"


def _help(rule_id: str) -> tuple[str, str]:
    from ..ruledocs import rule_doc

    doc = rule_doc(rule_id)
    r = doc["rule"]
    text = f"{doc['why']}\n\nFix: {r['fix']}"
    md = f"{doc['why']}\n\n**Fix:** {r['fix']}"
    if r["thresholds"]:
        settings = ", ".join(f"`{k}` (default {v:g})" for k, v in r["thresholds"].items())
        text += f"\n\nThresholds: {settings}"
        md += f"\n\n**Thresholds:** {settings}"
    md += f"\n\n**Failing example:**\n\n```yaml\n{doc['failing']}```"
    return text, md


def report_sarif_dict(report: Report, *, path: str = "workbench.yaml") -> dict[str, Any]:
    rules = rules_in_order()
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors = []
    for r in rules:
        text, md = _help(r.id)
        descriptors.append(
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.summary},
                "help": {"text": text, "markdown": md},
                "helpUri": f"{INFORMATION_URI}#{r.id}",
                "defaultConfiguration": {
                    "level": LEVELS[r.severity],
                    "enabled": r.id not in report.disabled,
                },
                "properties": {
                    "category": r.category,
                    "tags": ["architecture", r.category],
                    **({"thresholds": r.thresholds} if r.thresholds else {}),
                },
            }
        )
    results = []
    for f in report.findings:
        physical: dict[str, Any] = {"artifactLocation": {"uri": path}}
        if f.line:
            physical["region"] = {"startLine": f.line}
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": f.target, "kind": "element"}],
                }
            ],
            "partialFingerprints": {
                "workbenchFinding/v1": hashlib.sha256(
                    f"{f.rule}|{f.target}|{f.path}".encode()
                ).hexdigest()[:32],
            },
            "properties": {
                "target": f.target,
                "elements": f.elements,
                "pointer": f.path,
                "category": f.category,
            },
        }
        if f.suppressed:
            result["suppressions"] = [
                {"kind": "inSource", "justification": f.suppression_reason or ""}
            ]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Architecture Workbench",
                        "informationUri": INFORMATION_URI,
                        "version": "1.0.0",
                        "rules": descriptors,
                    }
                },
                "automationDetails": {"id": f"workbench/{report.model}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def report_sarif(report: Report, *, path: str = "workbench.yaml") -> str:
    return json.dumps(report_sarif_dict(report, path=path), indent=2, ensure_ascii=False) + "\n"
