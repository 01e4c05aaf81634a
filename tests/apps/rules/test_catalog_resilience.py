import pytest

from tests.apps.rules.helpers import call, check, fired, svc


def test_wobbly_missing_timeout_and_missing_circuit_breaker_split_the_cases():
    r = check(
        services=[
            svc(
                "a",
                calls=[
                    {"to": "b"},
                    {"to": "c", "circuit_breaker": True},
                    {"to": "d", "timeout_ms": 100},
                    {"to": "e", "timeout_ms": 100, "circuit_breaker": True},
                ],
            ),
            svc("b"),
            svc("c"),
            svc("d"),
            svc("e"),
        ]
    )
    assert [f.target for f in fired(r, "wobbly-call")] == ["a->b"]
    assert [f.target for f in fired(r, "missing-timeout")] == ["a->c"]
    assert [f.target for f in fired(r, "missing-circuit-breaker")] == ["a->d"]
    (f,) = fired(r, "wobbly-call")
    assert f.message == "a calls b with no timeout and no circuit breaker"


def test_call_rules_skip_actors_and_frontends():
    r = check(
        actors=[{"id": "u", "calls": ["b"]}],
        services=[svc("web", kind="frontend", calls=["b"]), svc("b")],
    )
    assert fired(r, "wobbly-call") == []


def test_call_rules_read_defaults():
    r = check(
        defaults={"call": {"timeout_ms": 1000, "circuit_breaker": True}},
        services=[svc("a", calls=["b"]), svc("b")],
    )
    assert fired(r, "wobbly-call") == fired(r, "missing-timeout") == []


@pytest.mark.parametrize(
    ("retries", "extra", "reasons"),
    [
        ({"max": 2, "backoff_ms": 100, "jitter": True}, {}, None),
        ({"max": 0}, {}, None),
        (2, {}, ["no backoff", "no jitter"]),
        ({"max": 2, "backoff_ms": 100}, {}, ["no jitter"]),
        ({"max": 3, "backoff_ms": 100, "jitter": True}, {}, None),
        ({"max": 4, "backoff_ms": 100, "jitter": True}, {}, ["4 retries (max 3)"]),
        ({"max": 1, "backoff_ms": 100, "jitter": True}, {"timeout_ms": None}, ["no timeout"]),
        (
            {"max": 1, "backoff_ms": 100, "jitter": True},
            {"api": "b-api", "operation": "POST /pay"},
            ["operation POST /pay is not idempotent"],
        ),
        (
            {"max": 1, "backoff_ms": 100, "jitter": True},
            {"api": "b-api", "operation": "GET /pay"},
            None,
        ),
        (
            {"max": 1, "backoff_ms": 100, "jitter": True},
            {"api": "b-api", "operation": "PUT /pay"},
            ["operation PUT /pay is not idempotent"],
        ),
    ],
)
def test_unsafe_retry_lists_every_reason(retries, extra, reasons):
    b_api = {
        "id": "b-api",
        "operations": [
            {"method": "POST", "path": "/pay"},
            {"method": "GET", "path": "/pay"},
            {"method": "PUT", "path": "/pay", "idempotent": False},
        ],
    }
    r = check(
        services=[svc("a", calls=[call("b", retries=retries, **extra)]), svc("b", apis=[b_api])]
    )
    found = fired(r, "unsafe-retry")
    if reasons is None:
        assert found == []
    else:
        (f,) = found
        for reason in reasons:
            assert reason in f.message


def test_unsafe_retry_threshold():
    r = check(
        services=[
            svc("a", calls=[call("b", retries={"max": 5, "backoff_ms": 1, "jitter": True})]),
            svc("b"),
        ],
        validation={"thresholds": {"unsafe-retry": {"max_retries": 5}}},
    )
    assert fired(r, "unsafe-retry") == []


def _amplification(r1, r2, r3=None, **thresholds):
    def retry(n):
        return {"max": n, "backoff_ms": 10, "jitter": True}

    services = [
        svc("g", kind="gateway", routes=[{"path": "/", "to": "a", "auth": "jwt"}]),
        svc("a", calls=[call("b", retries=retry(r1), timeout_ms=5000)]),
        svc("b", calls=[call("c", retries=retry(r2), timeout_ms=1000)]),
        svc("c", calls=[call("d", retries=retry(r3), timeout_ms=100)] if r3 is not None else []),
        svc("d"),
    ]
    parts = {"services": services}
    if thresholds:
        parts["validation"] = {"thresholds": {"retry-amplification": thresholds}}
    return parts


def test_retry_amplification_boundary_is_strictly_above_the_limit():
    # 2 x 5 = 10: at the limit
    assert fired(check(_amplification(1, 4)), "retry-amplification") == []
    # 3 x 4 = 12: over
    (f,) = fired(check(_amplification(2, 3)), "retry-amplification")
    assert f.target == "c" and f.severity == "error"
    assert "12 attempts" in f.message and "3 x 4" in f.message and "a -> b -> c" in f.message


def test_retry_amplification_reports_only_where_it_first_crosses():
    (f,) = fired(check(_amplification(2, 3, 3)), "retry-amplification")  # 12 at c, 48 at d
    assert f.target == "c"
    assert fired(check(_amplification(2, 3, max_amplification=12)), "retry-amplification") == []


def test_retry_amplification_leaves_out_calls_inside_a_cycle():
    parts = _amplification(0, 0)
    big = {"max": 9, "backoff_ms": 10, "jitter": True}
    parts["services"][2]["calls"] = [call("c", retries=big)]
    parts["services"][3]["calls"] = [call("b", retries=big)]  # b <-> c cycle
    assert fired(check(parts), "retry-amplification") == []


def test_retry_amplification_needs_a_path_from_an_entry():
    parts = _amplification(2, 3)
    parts["services"][0]["routes"] = [{"path": "/", "to": "d", "auth": "jwt"}]
    assert fired(check(parts), "retry-amplification") == []


def _budget(timeout_ab, timeout_bc, retries=None):
    return {
        "services": [
            svc("a", calls=[call("b", timeout_ms=timeout_ab)]),
            svc("b", calls=[call("c", timeout_ms=timeout_bc, retries=retries)]),
            svc("c"),
        ]
    }


def test_timeout_budget_inversion_at_equality_and_with_retries():
    retries = {"max": 2, "backoff_ms": 100, "jitter": True}
    # worst case of b: 3 x 300 + 2 x 100 = 1100
    (f,) = fired(check(_budget(1100, 300, retries)), "timeout-budget-inversion")
    assert f.target == "a->b" and "1100 ms" in f.message
    assert fired(check(_budget(1101, 300, retries)), "timeout-budget-inversion") == []
    assert fired(check(_budget(1000, 999)), "timeout-budget-inversion") == []
    assert len(fired(check(_budget(1000, 1000)), "timeout-budget-inversion")) == 1


def test_single_point_of_failure_severities_and_fan_in_threshold():
    callers = [svc(f"c{i}", replicas=2, calls=[call("hub")]) for i in range(3)]
    r = check(
        services=[
            svc("g", kind="gateway", replicas=1),
            svc("hub", replicas=1),
            *callers,
            svc("x", replicas=1, data=["db"]),
        ],
        brokers=[{"id": "bus", "kind": "kafka", "replicas": 1}],
        datastores=[
            {"id": "db", "kind": "postgres", "owner": "x"},
            {"id": "unused", "kind": "postgres", "owner": "x"},
        ],
    )
    got = {(f.target, f.severity) for f in fired(r, "single-point-of-failure")}
    assert got == {("g", "error"), ("bus", "error"), ("hub", "warning"), ("db", "warning")}
    r = check(services=[svc("hub", replicas=1), *callers[:2]])
    assert fired(r, "single-point-of-failure") == []
    r = check(services=[svc("hub", replicas={"min": 2, "max": 4}), *callers])
    assert fired(r, "single-point-of-failure") == []


def test_missing_health_check_for_internal_services_only():
    r = check(
        services=[
            svc("a"),
            svc("b", health=True),
            svc("w", kind="worker"),
            svc("web", kind="frontend"),
            svc("x", kind="external"),
        ]
    )
    assert sorted(f.target for f in fired(r, "missing-health-check")) == ["a", "w"]
    r = check(defaults={"service": {"health": True}}, services=[svc("a")])
    assert fired(r, "missing-health-check") == []


def test_stateful_replicas():
    r = check(
        services=[
            svc("a", stateful=True, replicas=2),
            svc("b", stateful=True, replicas={"min": 1, "max": 2}),
            svc("c", stateful=True),
            svc("d", replicas=3),
        ]
    )
    assert sorted(f.target for f in fired(r, "stateful-replicas")) == ["a", "b"]
