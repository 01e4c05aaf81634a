"""Properties of the analysis on small random models (hypothesis: it shrinks a failing model to
a minimal one): a fallback or a replica never makes anything worse, the blast radius is exactly
one simulated failure per element, N ≤ W, and slowing something never speeds a journey up."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.analysis import Analysis
from apps.archmodel import model_from_data

RANK = {"ok": 0, "degraded": 1, "failed": 2}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def models(draw: Any) -> dict[str, Any]:
    """A gateway routing to some of n services that call each other (cycles allowed), with
    timeouts, retries, breakers, fallbacks, replicas, data and events, and three journeys."""
    n = draw(st.integers(2, 7))
    ids = [f"s{i}" for i in range(n)]
    services: list[dict[str, Any]] = []
    for i, sid in enumerate(ids):
        calls = []
        others = [x for x in ids if x != sid]
        for to in draw(st.lists(st.sampled_from(others), max_size=3, unique=True)):
            call: dict[str, Any] = {"to": to}
            if draw(st.booleans()):
                call["timeout_ms"] = draw(st.sampled_from([50, 100, 400]))
            if draw(st.booleans()):
                call["retries"] = {"max": draw(st.integers(1, 2)), "backoff_ms": 10}
            if draw(st.booleans()):
                call["circuit_breaker"] = True
            if draw(st.integers(0, 3)) == 0:
                call["fallback"] = "cached"
            calls.append(call)
        service: dict[str, Any] = {
            "id": sid,
            "replicas": draw(st.sampled_from([1, 1, 2])),
            "slo": {
                "availability": draw(st.sampled_from([99, 99.5, 99.9])),
                "latency_ms": draw(st.integers(0, 30)),
            },
        }
        if i > 0 and draw(st.integers(0, 5)) == 0:
            service["kind"] = "external"
        else:
            service["calls"] = calls
            if draw(st.booleans()):
                service["data"] = [f"{sid}-db"]
            if draw(st.booleans()):
                service["publishes"] = [{"event": "ev", "outbox": draw(st.booleans())}]
        services.append(service)
    routes = [{"path": f"/r{k}", "to": draw(st.sampled_from(ids))} for k in range(2)]
    return {
        "apiVersion": "workbench/v1",
        "name": "random",
        "actors": [{"id": "user", "calls": ["gw", "s0"]}],
        "services": [
            {"id": "gw", "kind": "gateway", "routes": routes, "replicas": 1},
            *services,
        ],
        "datastores": [
            {"id": f"{s['id']}-db", "kind": "postgres"} for s in services if "data" in s
        ],
        "brokers": [{"id": "bus", "kind": "kafka"}],
        "events": [{"id": "ev", "broker": "bus"}],
        "journeys": [
            {"id": "via-gw", "entry": "gw"},
            {"id": "first-route", "entry": "gw", "route": "/r0"},
            {"id": "direct", "entry": "user", "calls": ["user->s0"]},
        ],
    }


def _states(an: Analysis, element: str) -> dict[str, int]:
    return {j["id"]: RANK[j["state"]] for j in an.simulate([element], {})["journeys"]}


def _calls(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for s in doc["services"] for c in s.get("calls", []) if "fallback" not in c]


@SETTINGS
@given(models(), st.integers(0, 50))
def test_adding_a_fallback_never_makes_a_journey_worse(doc, pick):
    if not _calls(doc):
        return
    better = copy.deepcopy(doc)
    calls = _calls(better)
    calls[pick % len(calls)]["fallback"] = "cached"
    before, after = Analysis(model_from_data(doc)), Analysis(model_from_data(better))
    for j0, j1 in zip(before.journeys, after.journeys, strict=True):
        assert j1.availability >= j0.availability
        assert (j1.nominal, j1.worst) == (j0.nominal, j0.worst)
    for element in before.graph.ids:
        s0, s1 = _states(before, element), _states(after, element)
        assert all(s1[j] <= s0[j] for j in s0), element


@SETTINGS
@given(models(), st.integers(0, 50))
def test_adding_a_replica_never_lowers_availability(doc, pick):
    more = copy.deepcopy(doc)
    elements = [s for s in more["services"] if s.get("kind") != "external"] + more["datastores"]
    element = elements[pick % len(elements)]
    element["replicas"] = element.get("replicas", 1) + 1
    before, after = Analysis(model_from_data(doc)), Analysis(model_from_data(more))
    for j0, j1 in zip(before.journeys, after.journeys, strict=True):
        assert j1.availability >= j0.availability


@SETTINGS
@given(models())
def test_the_blast_radius_is_one_simulated_failure_per_element(doc):
    an = Analysis(model_from_data(doc))
    for row in an.blast_radius:
        journeys = an.simulate([row["element"]], {})["journeys"]
        assert row["failed"] == [j["id"] for j in journeys if j["state"] == "failed"]
        assert row["degraded"] == [j["id"] for j in journeys if j["state"] == "degraded"]


@SETTINGS
@given(models())
def test_nominal_never_exceeds_worst_and_the_baseline_simulation_changes_nothing(doc):
    an = Analysis(model_from_data(doc))
    baseline = an.simulate([], {})
    for j, sim in zip(an.journeys, baseline["journeys"], strict=True):
        assert j.nominal <= j.worst
        assert sim["state"] == "ok" and sim["path"] == [] and sim["reason"] is None
        assert sim["nominal_latency_ms"] == j.nominal
    assert set(baseline["elements"].values()) == {"ok"}


@SETTINGS
@given(models(), st.integers(0, 50), st.sampled_from([1, 50, 1000]))
def test_slowing_an_element_never_speeds_a_journey_up_and_a_hang_ends_at_it(doc, pick, ms):
    an = Analysis(model_from_data(doc))
    element = an.graph.ids[pick % len(an.graph.ids)]
    result = an.simulate([], {element: ms})
    for j, sim in zip(an.journeys, result["journeys"], strict=True):
        assert sim["nominal_latency_ms"] >= j.nominal
        if sim["state"] != "ok":
            assert sim["reason"] in ("timeout", "hang")
        if sim["reason"] == "hang":  # an untimed edge waits on the slowed element itself
            assert sim["path"][-1] == element
