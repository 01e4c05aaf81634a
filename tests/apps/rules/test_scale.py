"""The engine stays fast and near-linear on big generated models."""

import time

from apps.archmodel import Limits, model_from_data
from apps.rules.engine import check_model
from apps.rules.testing import generate_document


def _best_of(model, n=3):
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        report = check_model(model)
        best = min(best, time.perf_counter() - start)
    return best, report


def test_five_thousand_services_check_in_under_a_second_and_growth_is_near_linear():
    small = model_from_data(generate_document(1000), limits=Limits.unlimited())
    big = model_from_data(generate_document(5000), limits=Limits.unlimited())
    t_small, _ = _best_of(small)
    t_big, report = _best_of(big)
    assert t_big < 1.0, f"5,000 services took {t_big:.2f}s"
    assert t_big / t_small < 5 * 2, f"x5 services took x{t_big / t_small:.1f} time"
    assert {f.rule for f in report.findings} >= {"sync-cycle", "long-sync-chain", "wobbly-call"}


def test_validating_a_five_thousand_service_file_over_the_api_takes_under_three_seconds(
    user_client, settings
):
    from apps.rules.testing import generate_yaml

    settings.WORKBENCH_VALIDATE_RATE = ""
    source = generate_yaml(5000).encode()
    seconds = float("inf")
    for _ in range(2):  # best of two: a busy machine should not fail the bar by chance
        start = time.perf_counter()
        resp = user_client.post("/api/v1/validate", data=source, content_type="application/yaml")
        seconds = min(seconds, time.perf_counter() - start)
        assert resp.status_code == 200
    assert seconds < 3.0, f"took {seconds:.2f}s"
