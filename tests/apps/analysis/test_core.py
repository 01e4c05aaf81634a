"""The analysis core on ANALYSIS.md's worked example, and on cycles, fallbacks, outboxes,
unbounded chains, replicas, diamonds and filtered journeys."""

from __future__ import annotations

import pytest

from apps.analysis import Analysis, SimulationError, analyse_model, simulate_model
from apps.analysis.report import analyse_exit_code, parse_scenario, simulate_exit_code
from apps.archmodel import ModelInvalid

from .support import mini, model


def test_the_worked_example_journeys_match_the_contract():
    result = analyse_model(mini())
    assert result["journeys"] == [
        {
            "id": "checkout",
            "entry": "gw",
            "nominal_latency_ms": 185,
            "worst_latency_ms": 1250,
            "availability": 99.3507,
            "target": {"availability": 99.5, "latency_ms": 400},
            "status": "over-target",
            "cut": [],
        },
        {
            "id": "browse",
            "entry": "shopper",
            "nominal_latency_ms": 25,
            "worst_latency_ms": 25,
            "availability": 99.8001,
            "target": {"availability": 99.8, "latency_ms": 50},
            "status": "ok",
            "cut": [],
        },
    ]
    assert analyse_exit_code(result) == 1


def test_the_worked_example_blast_radius_is_ranked_by_failed_then_degraded_then_id():
    rows = analyse_model(mini())["blast_radius"]
    assert rows[:2] == [
        {"element": "gw", "failed": ["checkout", "browse"], "degraded": []},
        {"element": "stock", "failed": ["browse"], "degraded": ["checkout"]},
    ]
    assert [r["element"] for r in rows[2:]] == ["bus", "orders", "orders-db", "payments"]
    assert all(r["failed"] == ["checkout"] and r["degraded"] == [] for r in rows[2:])


def test_the_worked_example_findings_are_the_three_of_the_contract():
    findings = analyse_model(mini())["findings"]
    assert [(f["rule"], f["severity"], f["target"]) for f in findings] == [
        ("journey-availability-below-target", "error", "checkout"),
        ("critical-dependency", "warning", "gw"),
        ("journey-latency-over-target", "warning", "checkout"),
    ]
    assert findings[0]["path"] == "/journeys/0" and findings[0]["line"] == 23
    assert "99.3507 % is below its target of 99.5 %" in findings[0]["message"]
    assert "fails 2 of 2 journeys" in findings[1]["message"]


def test_a_slow_stock_degrades_checkout_through_its_fallback_and_hangs_browse():
    result = simulate_model(mini(), [], {"stock": 200})
    assert result["journeys"] == [
        {
            "id": "checkout",
            "state": "degraded",
            "reason": "timeout",
            "path": ["gw", "orders", "stock"],
            "nominal_latency_ms": 270,
            "worst_latency_ms": 1250,
        },
        {
            "id": "browse",
            "state": "failed",
            "reason": "hang",
            "path": ["gw", "stock"],
            "nominal_latency_ms": 225,
            "worst_latency_ms": 225,
        },
    ]
    assert result["elements"] == {
        "gw": "failed",
        "orders": "degraded",
        "payments": "ok",
        "stock": "ok",
        "orders-db": "ok",
        "bus": "ok",
    }
    assert result["amplification"] == {"stock": 1}
    assert simulate_exit_code(result) == 1


def test_a_slow_payments_times_out_and_fails_checkout_with_three_requests_per_journey():
    result = simulate_model(mini(), [], {"payments": 250})
    checkout = result["journeys"][0]
    assert (checkout["state"], checkout["reason"], checkout["path"]) == (
        "failed",
        "timeout",
        ["gw", "orders", "payments"],
    )
    assert checkout["nominal_latency_ms"] == 365
    assert result["amplification"] == {"payments": 3}


def test_the_baseline_simulation_is_all_ok_and_exits_0():
    result = simulate_model(mini(), [], {})
    assert {j["state"] for j in result["journeys"]} == {"ok"}
    assert set(result["elements"].values()) == {"ok"}
    assert result["amplification"] == {}
    assert simulate_exit_code(result) == 0


def test_failing_an_element_gives_its_path_and_reason_fail():
    result = simulate_model(mini(), ["orders-db"], {})
    checkout = result["journeys"][0]
    assert (checkout["state"], checkout["reason"], checkout["path"]) == (
        "failed",
        "fail",
        ["gw", "orders", "orders-db"],
    )
    assert result["elements"]["orders-db"] == "failed"
    assert result["journeys"][1]["state"] == "ok"


def test_failing_a_start_node_fails_the_journey_at_that_node():
    result = simulate_model(mini(), ["gw"], {})
    assert [j["path"] for j in result["journeys"]] == [["gw"], ["gw"]]


@pytest.mark.parametrize(
    ("fail", "slow", "message"),
    [
        (["nope"], {}, "unknown element 'nope'"),
        (["shopper"], {}, "'shopper' is an actor, not a service, datastore or broker"),
        (["order-placed"], {}, "is an event"),
        ([], {"stock": 0}, "must be a number of ms > 0"),
    ],
)
def test_a_bad_scenario_is_refused_with_a_reason(fail, slow, message):
    with pytest.raises(SimulationError, match=message):
        simulate_model(mini(), fail, slow)


def test_scenario_arguments_are_comma_separated_and_repeatable():
    assert parse_scenario(["a,b", "c", "a"], ["x=250,y=1.5", "z=3"]) == (
        ["a", "b", "c"],
        {"x": 250, "y": 1.5, "z": 3},
    )
    for bad in ("x", "x=0", "x=-1", "x=abc", "=4", "x=inf"):
        with pytest.raises(SimulationError):
            parse_scenario([], [bad])


# --- cycles ---------------------------------------------------------------------------------


def test_a_timed_cycle_is_cut_at_the_first_revisit_and_charged_its_timed_cost():
    m = model(
        services=[
            {"id": "gw", "kind": "gateway", "routes": [{"path": "/", "to": "a"}]},
            {"id": "a", "slo": {"latency_ms": 10}, "calls": [{"to": "b", "timeout_ms": 100}]},
            {
                "id": "b",
                "slo": {"latency_ms": 20},
                "calls": [{"to": "a", "timeout_ms": 50, "retries": 1}],
            },
        ],
        journeys=[{"id": "j", "entry": "gw"}],
    )
    (j,) = analyse_model(m)["journeys"]
    assert j["cut"] == ["b->a"]
    assert j["nominal_latency_ms"] == 20 + 10 + 20  # the cut edge adds 0
    # a's timed call to b costs (1 + 0)·100 whatever b does; b's cut call costs 2·50 + 1·0.
    assert j["worst_latency_ms"] == 20 + 10 + 100
    b = Analysis(m).unfolded
    assert max(b.W) == 130 and 20 + 2 * 50 in b.W


def test_an_untimed_loop_is_unbounded_and_named_by_its_cut_edges():
    m = model(
        services=[
            {
                "id": "gw",
                "kind": "gateway",
                "routes": [{"path": "/a", "to": "a"}, {"path": "/b", "to": "b"}],
            },
            {"id": "a", "calls": [{"to": "b", "timeout_ms": 100}]},
            {"id": "b", "calls": ["c"]},
            {"id": "c", "calls": ["b"]},
        ],
        journeys=[
            {"id": "j", "entry": "gw", "route": "/b"},
            {"id": "bounded", "entry": "gw", "route": "/a"},
        ],
    )
    result = analyse_model(m)
    j, bounded = result["journeys"]
    assert j["worst_latency_ms"] is None and j["cut"] == ["c->b"]
    # a's call to b is timed: whatever b does, a waits at most 100 ms.
    assert bounded["worst_latency_ms"] == 20 + 20 + 100 and bounded["cut"] == ["c->b"]
    (f,) = [f for f in result["findings"] if f["rule"] == "unbounded-journey"]
    assert f["target"] == "j" and "c->b" in f["message"]


def test_inside_a_cycle_a_nodes_figures_depend_on_the_path_that_reached_it():
    # gw routes to a and to b; a<->b. From a, b's call back to a is cut; from b, a's is.
    m = model(
        services=[
            {
                "id": "gw",
                "kind": "gateway",
                "routes": [{"path": "/a", "to": "a"}, {"path": "/b", "to": "b"}],
            },
            {"id": "a", "slo": {"latency_ms": 1}, "calls": [{"to": "b", "timeout_ms": 500}]},
            {"id": "b", "slo": {"latency_ms": 100}, "calls": [{"to": "a", "timeout_ms": 500}]},
        ],
        journeys=[
            {"id": "ja", "entry": "gw", "route": "/a"},
            {"id": "jb", "entry": "gw", "route": "/b"},
        ],
    )
    ja, jb = analyse_model(m)["journeys"]
    assert ja["nominal_latency_ms"] == jb["nominal_latency_ms"] == 20 + 101
    assert ja["cut"] == ["b->a"] and jb["cut"] == ["a->b"]


def test_a_pathological_cycle_is_refused_instead_of_running_for_ever(monkeypatch):
    monkeypatch.setattr("apps.analysis.unfold.MAX_CYCLIC_NODES", 5_000)
    ids = [f"s{i}" for i in range(16)]  # 16 * 2^15 (element, path) pairs
    services = [
        {"id": s, "calls": [{"to": t, "timeout_ms": 10} for t in ids if t != s]} for s in ids
    ]
    m = model(
        actors=[{"id": "u", "calls": ["s0"]}],
        services=services,
        journeys=[{"id": "j", "entry": "u"}],
    )
    with pytest.raises(ModelInvalid) as info:
        analyse_model(m)
    (err,) = info.value.errors
    assert err.kind == "limit" and err.pointer == "/journeys"


# --- availability: fallbacks, outbox, replicas ----------------------------------------------


def _availability(m) -> float:
    return analyse_model(m)["journeys"][0]["availability"]


def _chain(call_b: dict, **a_extra) -> list[dict]:
    return [
        {"id": "a", "slo": {"availability": 99}, "calls": [{"to": "b", **call_b}], **a_extra},
        {"id": "b", "slo": {"availability": 90}},
    ]


def test_an_element_behind_a_fallback_is_not_required():
    plain = model(actors=[{"id": "u", "calls": ["a"]}], services=_chain({}))
    fallback = model(actors=[{"id": "u", "calls": ["a"]}], services=_chain({"fallback": "x"}))
    assert _availability(plain) == 89.1
    assert _availability(fallback) == 99.0
    (row,) = [r for r in analyse_model(fallback)["blast_radius"] if r["element"] == "b"]
    assert row == {"element": "b", "failed": [], "degraded": ["implicit:u->a"]}


def test_an_element_required_on_one_path_is_required_even_if_optional_on_another():
    services = [
        {"id": "a", "calls": [{"to": "b", "fallback": "x"}, "c"]},
        {"id": "c", "calls": ["b"]},
        {"id": "b", "slo": {"availability": 90}},
    ]
    m = model(actors=[{"id": "u", "calls": ["a"]}], services=services)
    assert _availability(m) == round(100 * 0.999 * 0.999 * 0.9, 4)


def test_an_outbox_publish_is_not_an_edge_and_a_direct_one_is_required():
    def doc(outbox: bool):
        return model(
            actors=[{"id": "u", "calls": ["a"]}],
            services=[{"id": "a", "publishes": [{"event": "e", "outbox": outbox}]}],
            brokers=[{"id": "bus", "kind": "kafka", "slo": {"availability": 99, "latency_ms": 7}}],
            events=[{"id": "e", "broker": "bus"}],
        )

    direct, outbox = analyse_model(doc(False)), analyse_model(doc(True))
    assert direct["journeys"][0]["availability"] == round(100 * 0.999 * 0.99, 4)
    assert direct["journeys"][0]["nominal_latency_ms"] == 27
    assert outbox["journeys"][0]["availability"] == 99.9
    assert outbox["journeys"][0]["nominal_latency_ms"] == 20
    assert next(r for r in outbox["blast_radius"] if r["element"] == "bus")["failed"] == []


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [(1, 99.0), (2, 99.99), ({"min": 3, "max": 9}, 99.9999), (0, 0.0)],
)
def test_replicas_compose_availability_per_instance(replicas, expected):
    m = model(
        actors=[{"id": "u", "calls": ["a"]}],
        services=[{"id": "a", "replicas": replicas, "slo": {"availability": 99}}],
    )
    assert _availability(m) == expected


def test_an_external_services_replicas_are_not_ours_to_count():
    m = model(
        actors=[{"id": "u", "calls": ["pay"]}],
        services=[{"id": "pay", "kind": "external", "replicas": 3, "slo": {"availability": 99}}],
    )
    assert _availability(m) == 99.0


def test_default_replicas_count_and_datastore_replicas_count():
    m = model(
        defaults={"service": {"replicas": 2, "slo": {"availability": 90}}},
        actors=[{"id": "u", "calls": ["a"]}],
        services=[{"id": "a", "data": ["db"]}],
        datastores=[{"id": "db", "kind": "postgres", "replicas": 2, "slo": {"availability": 90}}],
    )
    assert _availability(m) == 98.01


# --- shape of the walk ------------------------------------------------------------------------


def test_diamonds_are_unfolded_once_each_not_once_per_path():
    # 60 diamonds in a row: 2^60 paths through the naive tree.
    services = []
    for k in range(60):
        services.append({"id": f"top{k}", "calls": [f"l{k}", f"r{k}"], "slo": {"latency_ms": 1}})
        services.append({"id": f"l{k}", "calls": [f"top{k + 1}"], "slo": {"latency_ms": 1}})
        services.append({"id": f"r{k}", "calls": [f"top{k + 1}"], "slo": {"latency_ms": 1}})
    services.append({"id": "top60", "slo": {"latency_ms": 1}})
    m = model(actors=[{"id": "u", "calls": ["top0"]}], services=services)
    an = Analysis(m)
    assert len(an.unfolded) == len(services)
    # Sequential calls: N(top k) = 1 + 2 (1 + N(top k+1)), N(top 60) = 1, so N = 2^62 - 3.
    assert an.journeys[0].nominal == 2**62 - 3


def test_a_nineteen_thousand_deep_chain_needs_no_recursion():
    n = 19_000
    services = [{"id": f"s{i}", "calls": [f"s{i + 1}"]} for i in range(n - 1)] + [
        {"id": f"s{n - 1}"}
    ]
    m = model(actors=[{"id": "u", "calls": ["s0"]}], services=services)
    (j,) = analyse_model(m)["journeys"]
    assert j["nominal_latency_ms"] == 20 * n


def test_implicit_journeys_come_from_actors_then_frontends_then_gateway_routes():
    m = model(
        actors=[{"id": "u", "calls": ["web", "gw"]}],
        services=[
            {"id": "web", "kind": "frontend", "calls": ["gw"]},
            {
                "id": "gw",
                "kind": "gateway",
                "routes": [
                    {"path": "/a", "to": "a"},
                    {"path": "/b", "to": "a"},
                    {"path": "/a", "to": "b"},
                ],
            },
            {"id": "a"},
            {"id": "b"},
        ],
    )
    journeys = analyse_model(m)["journeys"]
    assert [j["id"] for j in journeys] == [
        "implicit:u->web",
        "implicit:u->gw",
        "implicit:web->gw",
        "implicit:gw/a",
        "implicit:gw/b",
    ]
    assert all(j["target"] is None and j["status"] == "ok" for j in journeys)
    # /a follows its first route only: gw (20) + a (20), b is not reached.
    assert journeys[3]["nominal_latency_ms"] == 40
    # The actor is hop 0: u->web starts at the frontend web, which calls gw.
    assert journeys[0]["nominal_latency_ms"] == 20 + 20 + 40 + 20


def test_calls_filters_every_call_and_route_edge_but_never_data():
    m = model(
        actors=[{"id": "u", "calls": ["gw", "a"]}],
        services=[
            {"id": "gw", "kind": "gateway", "routes": [{"path": "/a", "to": "a"}], "calls": ["b"]},
            {"id": "a", "calls": ["b"], "data": ["db"]},
            {"id": "b"},
        ],
        datastores=[{"id": "db", "kind": "postgres"}],
        journeys=[{"id": "j", "entry": "u", "calls": ["u->gw", "gw->a"]}],
    )
    an = Analysis(m)
    assert an.elements_of(an.journeys[0]) == ["gw", "a", "db"]
    assert an.journeys[0].nominal == 20 + 20 + 5


def test_check_runs_the_journey_rules_only_for_models_that_declare_journeys():
    from apps.rules.engine import check_model

    with_journeys = check_model(mini())
    assert "critical-dependency" in {f.rule for f in with_journeys.findings}
    doc = mini().document
    without = check_model(
        model(**{k: v for k, v in doc.items() if k not in ("journeys", "apiVersion", "name")})
    )
    assert not {f.rule for f in without.findings} & {
        "critical-dependency",
        "journey-latency-over-target",
        "journey-availability-below-target",
    }


def test_suppressions_apply_to_analysis_findings_but_status_ignores_them():
    doc = {k: v for k, v in mini().document.items() if k not in ("apiVersion", "name")}
    doc["suppressions"] = [
        {"rule": "journey-availability-below-target", "target": "checkout", "reason": "known"},
        {"rule": "wobbly-call", "target": "x->y", "reason": "another rule's: left alone"},
    ]
    result = analyse_model(model(**doc))
    (f,) = [f for f in result["findings"] if f["rule"] == "journey-availability-below-target"]
    assert f["suppressed"] and f["suppression_reason"] == "known"
    assert result["journeys"][0]["status"] == "over-target"
    assert not [f for f in result["findings"] if f["rule"] == "unused-suppression"]


def test_a_timeout_below_the_callees_nominal_latency_is_reported_with_both_ends():
    m = model(
        actors=[{"id": "u", "calls": ["a"]}],
        services=[
            {"id": "a", "calls": [{"to": "b", "timeout_ms": 30}, {"to": "c", "timeout_ms": 500}]},
            {"id": "b", "slo": {"latency_ms": 40}},
            {"id": "c"},
        ],
    )
    (f,) = [f for f in analyse_model(m)["findings"] if f["rule"] == "timeout-below-latency"]
    assert f["target"] == "a->b" and f["elements"] == ["a", "b"]
    assert "timeout of 30 ms but b takes 40 ms" in f["message"]
    assert f["path"] == "/services/0/calls/0"


def test_implicit_journey_findings_have_no_path():
    m = model(
        actors=[{"id": "u", "calls": ["a"]}],
        services=[{"id": "a", "calls": ["b"]}, {"id": "b", "calls": ["a"]}],
    )
    (f,) = [f for f in analyse_model(m)["findings"] if f["rule"] == "unbounded-journey"]
    assert f["target"] == "implicit:u->a" and f["path"] is None and f["line"] is None


def test_a_simulation_whose_element_trees_unfold_too_far_is_refused_too(monkeypatch):
    # The journey enters the cycle at one member; the element states unfold from every member.
    ids = [f"s{i}" for i in range(7)]
    services = [
        {"id": s, "calls": [{"to": t, "timeout_ms": 10} for t in ids if t != s]} for s in ids
    ]
    m = model(actors=[{"id": "u", "calls": ["s0"]}], services=services)
    an = Analysis(m)
    monkeypatch.setattr(an.unfolded, "max_cyclic", an.unfolded.cyclic_nodes + 10)
    with pytest.raises(ModelInvalid) as info:
        simulate_model(m, ["s1"], {}, analysis=an)
    assert info.value.errors[0].kind == "limit"


def test_timeouts_below_latency_are_read_from_journey_trees_only_even_after_a_simulation():
    m = model(
        actors=[{"id": "u", "calls": ["a"]}],
        services=[
            {"id": "a"},
            {"id": "b", "calls": [{"to": "c", "timeout_ms": 5}]},  # in no journey
            {"id": "c"},
        ],
    )
    an = Analysis(m)
    an.simulate([], {})  # unfolds every element's own tree, b's included
    assert an.timeouts_below_latency() == {}
