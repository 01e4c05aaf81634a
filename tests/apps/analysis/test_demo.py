"""The seeded demo shows the feature: a journey within budget, one over it, and one that
survives a failure through a fallback."""

from __future__ import annotations

from apps.analysis import analyse_model, simulate_model
from apps.archmodel import load_model
from tests.support import DEMO_COPY


def test_the_demo_has_one_journey_within_budget_and_one_over_it():
    journeys = {j["id"]: j for j in analyse_model(load_model(DEMO_COPY.read_bytes()))["journeys"]}
    assert journeys["browse-catalog"]["status"] == "ok"
    assert journeys["checkout"]["status"] == "over-target"
    assert journeys["checkout"]["nominal_latency_ms"] == 355  # over its 300 ms
    assert journeys["checkout"]["availability"] < 99.9  # the provider's 99.5 %


def test_tracking_an_order_survives_a_catalog_outage_through_the_fallback():
    result = simulate_model(load_model(DEMO_COPY.read_bytes()), ["catalog"], {})
    states = {j["id"]: (j["state"], j["path"]) for j in result["journeys"]}
    assert states["track-order"] == ("degraded", ["gateway", "orders", "catalog"])
    assert states["browse-catalog"] == ("failed", ["gateway", "catalog"])
