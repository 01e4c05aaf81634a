"""The engine is exact on big generated models (its speed is measured in bench/bench_rules.py)."""

from apps.archmodel import Limits, model_from_data
from apps.rules.engine import check_model
from apps.rules.testing import generate_document


def test_a_five_thousand_service_model_is_checked_completely_and_deterministically():
    model = model_from_data(generate_document(5000), limits=Limits.unlimited())
    first = check_model(model)
    again = check_model(model)
    assert {f.rule for f in first.findings} >= {"sync-cycle", "long-sync-chain", "wobbly-call"}
    assert [(f.rule, f.target) for f in first.findings] == [
        (f.rule, f.target) for f in again.findings
    ]
