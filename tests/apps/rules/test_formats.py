import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from apps.archmodel import load_model
from apps.rules.engine import check_model
from apps.rules.formats import render, report_junit, report_sarif, report_text
from apps.rules.registry import load_catalog
from tests.apps.rules.helpers import TODAY
from tests.support import REPO, shop_path

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def report():
    return check_model(load_model(shop_path().read_bytes()), today=TODAY)


def test_sarif_validates_against_the_2_1_0_schema(report):
    sarif = json.loads(report_sarif(report, path="arch/workbench.yaml"))
    jsonschema.validate(sarif, SCHEMA)
    assert sarif["version"] == "2.1.0"


def test_sarif_carries_rule_metadata_and_file_locations(report):
    run = json.loads(report_sarif(report, path="arch/workbench.yaml"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(load_catalog())
    wobbly = next(r for r in rules if r["id"] == "wobbly-call")
    assert wobbly["name"] == "WobblyCall"
    assert wobbly["shortDescription"]["text"] and wobbly["fullDescription"]["text"]
    assert "Fix:" in wobbly["help"]["text"]
    assert wobbly["defaultConfiguration"]["level"] == "error"
    assert (
        next(r for r in rules if r["id"] == "unencrypted-call")["defaultConfiguration"]["level"]
        == "note"
    )
    assert len(run["results"]) == len(report.findings)
    for result, finding in zip(run["results"], report.findings, strict=True):
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "arch/workbench.yaml"
        assert loc["region"]["startLine"] == finding.line
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule
        assert ("suppressions" in result) == finding.suppressed


def test_junit_has_a_suite_per_category_a_case_per_rule_and_counts_that_match(report):
    for fail_on in ("error", "warning", "info"):
        root = ET.fromstring(report_junit(report, fail_on=fail_on))
        suites = root.findall("testsuite")
        assert {s.get("name") for s in suites} == {r.category for r in load_catalog().values()}
        assert sum(len(s.findall("testcase")) for s in suites) == len(load_catalog())
        failing = report.failing(fail_on)
        assert len(root.findall(".//failure")) == len(failing)
        assert int(root.get("failures")) == len({f.rule for f in failing})
        for s in suites:
            failed_cases = [c for c in s.findall("testcase") if c.find("failure") is not None]
            assert int(s.get("failures")) == len(failed_cases)
            assert int(s.get("tests")) == len(s.findall("testcase"))


def test_junit_skips_disabled_rules():
    src = (
        shop_path()
        .read_text()
        .replace("suppressions:", "validation:\n  disable: [esb-usage]\nsuppressions:", 1)
    )
    root = ET.fromstring(report_junit(check_model(load_model(src), today=TODAY)))
    case = root.find(".//testcase[@name='esb-usage']")
    assert case.find("skipped") is not None


def test_text_groups_by_severity_and_ends_with_a_summary(report):
    text = report_text(report, path="shop.yaml")
    assert text.index("Errors (1)") < text.index("Warnings (") < text.index("Info (")
    assert "shop.yaml:91: error wobbly-call: orders calls catalog with no timeout" in text
    assert "fix: Timeout and circuit breaker" in text
    assert text.rstrip().splitlines()[-1].startswith("shop: 1 error(s), 11 warning(s)")
    assert "\033[" not in text
    assert "\033[" in report_text(report, colour=True)


def test_json_has_summary_passed_and_findings(report):
    data = json.loads(render(report, "json", fail_on="error"))
    assert data["passed"] is False and data["summary"]["error"] == 1
    assert len(data["findings"]) == data["summary"]["total"]
