import pytest

from tests.apps.rules.helpers import call, check, fired, svc


def test_hardcoded_endpoint_is_an_error_when_the_callee_scales_out():
    r = check(
        services=[
            svc(
                "a", calls=[call("b", discovery="static"), call("c", discovery="static"), call("d")]
            ),
            svc("b", replicas={"min": 1, "max": 3}),
            svc("c"),
            svc("d"),
        ]
    )
    got = {(f.target, f.severity) for f in fired(r, "hardcoded-endpoint")}
    assert got == {("a->b", "error"), ("a->c", "warning")}


def test_hardcoded_endpoint_is_not_judged_on_frontend_calls():
    r = check(
        services=[svc("web", kind="frontend", calls=[{"to": "b", "discovery": "static"}]), svc("b")]
    )
    assert fired(r, "hardcoded-endpoint") == []


def test_sync_cycle_reports_the_shortest_cycle_from_the_smallest_id():
    r = check(
        services=[
            svc("a", calls=[call("d")]),
            svc("b", calls=[call("a")]),
            svc("c", calls=[call("b")]),
            svc("d", calls=[call("c"), call("b")]),
        ]
    )
    (f,) = fired(r, "sync-cycle")
    assert f.target == "a->d->b->a"
    assert f.elements == ["a", "b", "c", "d"]
    assert f.severity == "error"


def test_sync_cycle_counts_gateway_routes_but_not_external_services():
    r = check(
        services=[
            svc("g", kind="gateway", routes=[{"path": "/", "to": "a"}]),
            svc("a", calls=[call("g")]),
        ]
    )
    assert [f.target for f in fired(r, "sync-cycle")] == ["a->g->a"]
    r = check(
        services=[svc("a", calls=[call("x")]), svc("x", kind="external", calls=[{"to": "a"}])]
    )
    assert fired(r, "sync-cycle") == []


def test_a_chain_is_not_a_cycle():
    r = check(services=[svc("a", calls=[call("b")]), svc("b", calls=[call("c")]), svc("c")])
    assert fired(r, "sync-cycle") == []


EV = {
    "brokers": [{"id": "bus", "kind": "kafka"}],
    "events": [{"id": "e1", "broker": "bus"}, {"id": "e2", "broker": "bus"}],
}


def test_async_cycle_between_services_exchanging_events():
    r = check(
        services=[
            svc("a", publishes=["e1"], subscribes=["e2"]),
            svc("b", publishes=["e2"], subscribes=["e1"]),
        ],
        **EV,
    )
    (f,) = fired(r, "async-cycle")
    assert (f.target, f.severity) == ("a->b->a", "info")


def test_async_cycle_is_not_reported_when_all_members_are_in_one_sync_cycle():
    r = check(
        services=[
            svc("a", publishes=["e1"], subscribes=["e2"], calls=[call("b")]),
            svc("b", publishes=["e2"], subscribes=["e1"], calls=[call("a")]),
        ],
        **EV,
    )
    assert fired(r, "async-cycle") == []
    assert fired(r, "sync-cycle") != []


def _chain(hops, **thresholds):
    """An actor -> gateway entry and a chain of ``hops`` call edges from the gateway."""
    names = ["g"] + [f"s{i}" for i in range(1, hops + 1)]
    services = [svc("g", kind="gateway", routes=[{"path": "/", "to": "s1", "auth": "jwt"}])]
    for i, name in enumerate(names[1:], start=1):
        nxt = names[i + 1] if i + 1 < len(names) else None
        services.append(svc(name, calls=[call(nxt)] if nxt else []))
    parts = {"actors": [{"id": "user", "calls": ["g"]}], "services": services}
    if thresholds:
        parts["validation"] = {"thresholds": {"long-sync-chain": thresholds}}
    return parts


def test_long_sync_chain_fires_one_past_max_hops():
    assert fired(check(_chain(3)), "long-sync-chain") == []
    (f,) = fired(check(_chain(4)), "long-sync-chain")
    assert f.target == "g"
    assert "4 hops (max 3): g -> s1 -> s2 -> s3 -> s4" in f.message
    # s1 (routed) is an entry too, with 3 hops: within the limit


def test_long_sync_chain_threshold_is_configurable():
    assert fired(check(_chain(4, max_hops=4)), "long-sync-chain") == []
    assert len(fired(check(_chain(5, max_hops=4)), "long-sync-chain")) == 1


def test_long_sync_chain_collapses_cycles_to_one_node():
    parts = _chain(3)
    parts["services"][2]["calls"].append(call("s1"))  # s2 -> s1: s1, s2 form one node
    parts["services"].append(svc("s4"))
    parts["services"][3]["calls"] = [call("s4")]  # s3 -> s4
    r = check(parts)
    # g -> (s1, s2) -> s3 -> s4 is 3 edges once collapsed
    assert fired(r, "long-sync-chain") == []


def _fan(n_out, **thresholds):
    targets = [f"t{i}" for i in range(n_out)]
    parts = {"services": [svc("a", calls=[call(t) for t in targets]), *(svc(t) for t in targets)]}
    if thresholds:
        parts["validation"] = {"thresholds": {"high-fan-out": thresholds}}
    return parts


def test_high_fan_out_at_exactly_max():
    assert fired(check(_fan(4)), "high-fan-out") == []
    (f,) = fired(check(_fan(5)), "high-fan-out")
    assert f.target == "a" and "calls 5 services" in f.message
    assert fired(check(_fan(5, max=6)), "high-fan-out") == []


def _hub(n_in, n_out):
    callers = [svc(f"c{i}", calls=[call("hub")]) for i in range(n_in)]
    targets = [svc(f"t{i}") for i in range(n_out)]
    return {
        "services": [*callers, svc("hub", calls=[call(f"t{i}") for i in range(n_out)]), *targets]
    }


@pytest.mark.parametrize(("n_in", "n_out", "hub"), [(3, 3, True), (2, 3, False), (3, 2, False)])
def test_hub_service_boundaries(n_in, n_out, hub):
    assert bool(fired(check(_hub(n_in, n_out)), "hub-service")) is hub


def test_hub_service_counts_routes_as_fan_in_but_not_frontends():
    parts = _hub(2, 3)
    parts["services"].append(svc("g", kind="gateway", routes=[{"path": "/", "to": "hub"}]))
    assert len(fired(check(parts), "hub-service")) == 1
    parts = _hub(2, 3)
    parts["services"].append(svc("web", kind="frontend", calls=[{"to": "hub"}]))
    assert fired(check(parts), "hub-service") == []


def test_too_many_standards_at_each_limit():
    def runtimes(*rts):
        return [svc(f"s{i}", runtime=rt) for i, rt in enumerate(rts)]

    assert fired(check(services=runtimes("python", "go", "java")), "too-many-standards") == []
    (f,) = fired(check(services=runtimes("python", "go", "java", "node")), "too-many-standards")
    assert (f.target, f.path) == ("test", "/name")
    brokers = [{"id": "k", "kind": "kafka"}, {"id": "r", "kind": "rabbitmq"}]
    assert len(fired(check(brokers=brokers), "too-many-standards")) == 1
    assert fired(check(brokers=brokers[:1]), "too-many-standards") == []
    stores = [
        {"id": f"d{i}", "kind": k} for i, k in enumerate(["postgres", "mysql", "redis", "mongodb"])
    ]
    assert len(fired(check(datastores=stores), "too-many-standards")) == 1
    assert fired(check(datastores=stores[:3]), "too-many-standards") == []


def test_too_many_standards_counts_protocols_of_internal_calls():
    services = [
        svc(
            "a",
            calls=[
                call("b", protocol="http"),
                call("c", protocol="grpc"),
                call("d", protocol="graphql"),
            ],
        ),
        svc("b"),
        svc("c"),
        svc("d"),
    ]
    (f,) = fired(check(services=services), "too-many-standards")
    assert "3 protocols" in f.message
    services[0]["calls"].pop()
    assert fired(check(services=services), "too-many-standards") == []


def test_unversioned_api_public_routed_or_called_by_another_team():
    teams = [{"id": "t1"}, {"id": "t2"}]
    r = check(
        teams=teams,
        services=[
            svc("g", kind="gateway", team="t1", routes=[{"path": "/", "to": "b"}]),
            svc("a", team="t1", apis=[{"id": "a-api", "public": True}]),
            svc("b", team="t1", apis=[{"id": "b-api"}]),
            svc("c", team="t1", apis=[{"id": "c-api"}]),
            svc("d", team="t2", calls=[call("c", api="c-api")]),
            svc("e", team="t1", apis=[{"id": "e-api"}]),
            svc("f", team="t1", calls=[call("e")]),
            svc("h", team="t1", apis=[{"id": "h-api", "public": True, "version": "v2"}]),
        ],
    )
    assert sorted(f.target for f in fired(r, "unversioned-api")) == ["a-api", "b-api", "c-api"]


def test_shared_business_library_needs_two_users_and_business_kind():
    libs = [{"id": "biz", "kind": "business"}, {"id": "tech", "kind": "technical"}]
    r = check(
        libraries=libs, services=[svc("a", uses=["biz", "tech"]), svc("b", uses=["biz", "tech"])]
    )
    assert [f.target for f in fired(r, "shared-business-library")] == ["biz"]
    r = check(libraries=libs, services=[svc("a", uses=["biz"]), svc("b")])
    assert fired(r, "shared-business-library") == []
