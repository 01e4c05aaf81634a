"""The journey rules (ANALYSIS.md) in the catalog: thresholds at and one past their limits,
configuration, suppressions, SARIF and JUnit, like every other rule."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import yaml

from apps.analysis import ANALYSIS_RULES
from apps.rules.formats import report_junit, report_sarif
from tests.apps.rules.helpers import check, fired
from tests.support import REPO

MINI = yaml.safe_load((REPO / "tests" / "fixtures" / "analysis_mini.yaml").read_text())
SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())


def mini(**changes):
    doc = {k: v for k, v in MINI.items() if k not in ("apiVersion", "name")}
    doc.update(changes)
    return check(**doc)


def test_the_worked_example_fires_the_three_findings_of_the_contract():
    r = mini()
    assert [(f.rule, f.severity, f.target) for f in r.findings if f.rule in ANALYSIS_RULES] == [
        ("journey-availability-below-target", "error", "checkout"),
        ("critical-dependency", "warning", "gw"),
        ("journey-latency-over-target", "warning", "checkout"),
    ]


def test_critical_dependency_min_failed_at_and_one_past_the_limit():
    assert [f.target for f in fired(mini(validation={"thresholds": {"critical-dependency": {"min_failed": 2}}}), "critical-dependency")] == ["gw"]  # fmt: skip
    assert fired(mini(validation={"thresholds": {"critical-dependency": {"min_failed": 3}}}), "critical-dependency") == []  # fmt: skip


def test_critical_dependency_min_share_at_and_one_past_the_limit():
    # payments fails 1 of 2 journeys: a share of 0.5.
    at = mini(
        validation={"thresholds": {"critical-dependency": {"min_share": 0.5, "min_failed": 1}}}
    )
    past = mini(
        validation={"thresholds": {"critical-dependency": {"min_share": 0.51, "min_failed": 1}}}
    )
    assert "payments" in {f.target for f in fired(at, "critical-dependency")}
    assert "payments" not in {f.target for f in fired(past, "critical-dependency")}


def test_two_replicas_make_an_element_not_critical():
    services = [dict(s) for s in MINI["services"]]
    services[0]["replicas"] = 2
    assert fired(mini(services=services), "critical-dependency") == []


def test_latency_over_target_is_an_error_on_the_nominal_and_a_warning_on_the_worst_case():
    journeys = [dict(j) for j in MINI["journeys"]]
    journeys[0]["target"] = {"latency_ms": 185}  # N = 185: at the limit
    assert fired(mini(journeys=journeys), "journey-latency-over-target")[0].severity == "warning"
    journeys[0]["target"] = {"latency_ms": 184}
    (f,) = fired(mini(journeys=journeys), "journey-latency-over-target")
    assert f.severity == "error" and "nominal latency 185 ms" in f.message
    journeys[0]["target"] = {"latency_ms": 1250}  # W = 1250: within
    assert fired(mini(journeys=journeys), "journey-latency-over-target") == []


def test_availability_compares_the_rounded_value_at_and_one_past_the_limit():
    journeys = [dict(j) for j in MINI["journeys"]]
    journeys[1]["target"] = {"availability": 99.8001}
    assert [f.target for f in fired(mini(journeys=journeys), "journey-availability-below-target")] == ["checkout"]  # fmt: skip
    journeys[1]["target"] = {"availability": 99.8002}
    assert {f.target for f in fired(mini(journeys=journeys), "journey-availability-below-target")} == {"checkout", "browse"}  # fmt: skip


def test_severity_disable_and_suppressions_apply():
    r = mini(
        validation={
            "disable": ["critical-dependency"],
            "severity": {"journey-latency-over-target": "info"},
        },
        suppressions=[
            {"rule": "journey-availability-below-target", "target": "checkout", "reason": "known"}
        ],
    )
    assert fired(r, "critical-dependency") == []
    assert fired(r, "journey-latency-over-target")[0].severity == "info"
    (f,) = fired(r, "journey-availability-below-target")
    assert f.suppressed and f.suppression_reason == "known"


def test_journey_findings_point_at_the_journey_line_in_sarif_and_junit():
    r = mini()
    sarif = json.loads(report_sarif(r, path="workbench.yaml"))
    jsonschema.validate(sarif, SCHEMA)
    result = next(x for x in sarif["runs"][0]["results"] if x["ruleId"] == "critical-dependency")
    assert result["properties"]["pointer"] == "/services/0"
    line = next(f.line for f in r.findings if f.rule == "critical-dependency")
    assert line and result["locations"][0]["physicalLocation"]["region"]["startLine"] == line
    root = ET.fromstring(report_junit(r, fail_on="error"))
    case = root.find(".//testcase[@name='journey-availability-below-target']")
    assert case is not None and case.find("failure") is not None
