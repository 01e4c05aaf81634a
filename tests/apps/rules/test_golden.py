"""Golden files: the full findings JSON of every example model. Regenerate with
``UPDATE_GOLDEN=1 pytest tests/apps/rules/test_golden.py`` and review the diff."""

import json
from pathlib import Path

import pytest

from apps.archmodel import load_model
from apps.rules.engine import check_model
from apps.rules.formats import report_dict
from tests.apps.rules.helpers import TODAY
from tests.support import REPO, assert_golden, example_paths

GOLDEN = REPO / "tests" / "golden" / "rules"


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_findings_of_the_examples_match_the_golden_files(path: Path):
    report = check_model(load_model(path.read_bytes()), today=TODAY)
    actual = json.dumps(report_dict(report, fail_on="error"), indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"{path.stem}.findings.json"
    assert_golden(actual, golden)


def test_the_shop_example_shows_the_mistakes_it_is_known_for():
    shop = next(p for p in example_paths() if p.stem == "shop")
    report = check_model(load_model(shop.read_bytes()), today=TODAY)
    got = {(f.rule, f.target) for f in report.findings}
    assert {
        ("wobbly-call", "orders->catalog"),
        ("no-api-gateway", "partner-shop->catalog"),
        ("dual-write", "orders->order-placed"),
        ("foreign-data-access", "orders->catalog-db"),
        ("non-idempotent-consumer", "shipping->order-placed"),
        ("unconsumed-event", "shipment-dispatched"),
    } <= got
    (suppressed,) = [f for f in report.findings if f.suppressed]
    assert (suppressed.rule, suppressed.target) == ("unencrypted-call", "orders->catalog")
