"""JUnit XML: one testsuite per category, one testcase per rule, one ``<failure>`` per
unsuppressed finding at or above ``fail_on`` (findings below it are listed in system-out);
disabled rules are skipped. ``failures`` counts the failing testcases (rules)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..findings import Finding, Report
from ..registry import CATEGORIES, SEVERITY_RANK, rules_in_order


def _line(f: Finding, path: str) -> str:
    where = f"{path}:{f.line}" if f.line else path
    return f"{where}: {f.severity}: [{f.rule}] {f.message}. Fix: {f.fix}"


def report_junit(report: Report, *, fail_on: str = "error", path: str = "workbench.yaml") -> str:
    limit = SEVERITY_RANK[fail_on]
    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    root = ET.Element("testsuites", name=f"workbench check {report.model}")
    total_tests = total_failures = total_skipped = 0
    for category, title in CATEGORIES.items():
        rules = [r for r in rules_in_order() if r.category == category]
        suite = ET.SubElement(root, "testsuite", name=f"{category}", id=category)
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="title", value=title)
        failures = skipped = 0
        for r in rules:
            case = ET.SubElement(
                suite, "testcase", name=r.id, classname=f"workbench.{category}", file=path
            )
            if r.id in report.disabled:
                ET.SubElement(case, "skipped", message="disabled by validation.disable")
                skipped += 1
                continue
            found = by_rule.get(r.id, [])
            failing = [f for f in found if not f.suppressed and SEVERITY_RANK[f.severity] <= limit]
            others = [f for f in found if f not in failing]
            for f in failing:
                el = ET.SubElement(
                    case, "failure", message=f"{f.target}: {f.message}", type=f.severity
                )
                el.text = _line(f, path)
            if failing:
                failures += 1
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(
                    _line(f, path)
                    + (f" (suppressed: {f.suppression_reason})" if f.suppressed else "")
                    for f in others
                )
        suite.set("tests", str(len(rules)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        total_tests += len(rules)
        total_failures += failures
        total_skipped += skipped
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
