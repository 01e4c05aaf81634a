"""Properties of the analysis over seeded random models (stdlib ``random``: reproducible, no
extra dependency): a fallback or a replica never makes anything worse, the blast radius is
exactly one simulation per element, and N ≤ W."""

from __future__ import annotations

import copy
import random

import pytest

from apps.analysis import Analysis
from apps.archmodel import model_from_data

from .support import random_doc

SEEDS = range(60)
RANK = {"ok": 0, "degraded": 1, "failed": 2}


def _states(an: Analysis, element: str) -> dict[str, int]:
    result = an.simulate([element], {})
    return {j["id"]: RANK[j["state"]] for j in result["journeys"]}


def _calls(doc: dict) -> list[dict]:
    return [c for s in doc["services"] for c in s.get("calls", []) if isinstance(c, dict)]


@pytest.mark.parametrize("seed", SEEDS)
def test_adding_a_fallback_never_makes_a_journey_worse(seed):
    doc = random_doc(seed)
    calls = [c for c in _calls(doc) if "fallback" not in c]
    if not calls:
        return
    better = copy.deepcopy(doc)
    target = random.Random(seed).randrange(len(calls))
    [c for c in _calls(better) if "fallback" not in c][target]["fallback"] = "cached"
    before, after = Analysis(model_from_data(doc)), Analysis(model_from_data(better))
    for j0, j1 in zip(before.journeys, after.journeys, strict=True):
        assert j1.availability >= j0.availability
        assert (j1.nominal, j1.worst) == (j0.nominal, j0.worst)
    for element in before.graph.ids:
        s0, s1 = _states(before, element), _states(after, element)
        assert all(s1[j] <= s0[j] for j in s0), element


@pytest.mark.parametrize("seed", SEEDS)
def test_adding_a_replica_never_lowers_availability(seed):
    doc = random_doc(seed)
    rnd = random.Random(seed)
    more = copy.deepcopy(doc)
    element = rnd.choice(more["services"] + more["datastores"])
    replicas = element.get("replicas", 1)
    element["replicas"] = (replicas if isinstance(replicas, int) else replicas["min"]) + 1
    before, after = Analysis(model_from_data(doc)), Analysis(model_from_data(more))
    for j0, j1 in zip(before.journeys, after.journeys, strict=True):
        assert j1.availability >= j0.availability


@pytest.mark.parametrize("seed", SEEDS)
def test_the_blast_radius_is_one_simulated_failure_per_element(seed):
    an = Analysis(model_from_data(random_doc(seed)))
    for row in an.blast_radius:
        journeys = an.simulate([row["element"]], {})["journeys"]
        assert row["failed"] == [j["id"] for j in journeys if j["state"] == "failed"]
        assert row["degraded"] == [j["id"] for j in journeys if j["state"] == "degraded"]


@pytest.mark.parametrize("seed", SEEDS)
def test_nominal_never_exceeds_worst_and_the_baseline_simulation_changes_nothing(seed):
    an = Analysis(model_from_data(random_doc(seed)))
    baseline = an.simulate([], {})
    for j, sim in zip(an.journeys, baseline["journeys"], strict=True):
        assert j.nominal <= j.worst
        assert sim["state"] == "ok" and sim["path"] == [] and sim["reason"] is None
        assert sim["nominal_latency_ms"] == (j.nominal if j.nominal % 1 else int(j.nominal))
    assert set(baseline["elements"].values()) == {"ok"}


@pytest.mark.parametrize("seed", SEEDS)
def test_slowing_an_element_never_lowers_a_latency_and_a_hang_ends_at_it(seed):
    doc = random_doc(seed)
    an = Analysis(model_from_data(doc))
    element = random.Random(seed).choice(an.graph.ids)
    result = an.simulate([], {element: 1000})
    for j, sim in zip(an.journeys, result["journeys"], strict=True):
        assert sim["nominal_latency_ms"] >= j.nominal
        if sim["state"] != "ok":
            assert sim["reason"] in ("timeout", "hang")
        if sim["reason"] == "hang":  # an untimed edge waits on the slowed element itself
            assert sim["path"][-1] == element
