from tests.apps.rules.helpers import check, fired, svc

DB = {"id": "db", "kind": "postgres", "owner": "a"}


def test_shared_database_is_an_error_when_two_services_write():
    r = check(services=[svc("a", data=["db"]), svc("b", data=["db"])], datastores=[DB])
    (f,) = fired(r, "shared-database")
    assert (f.severity, f.target, f.elements) == ("error", "db", ["a", "b", "db"])
    assert "2 services write it (a and b)" in f.message


def test_shared_database_is_a_warning_with_one_writer_and_readers():
    r = check(
        services=[svc("a", data=["db"]), svc("b", data=[{"store": "db", "access": "read"}])],
        datastores=[DB],
    )
    assert [f.severity for f in fired(r, "shared-database")] == ["warning"]


def test_shared_database_is_info_when_everyone_only_reads():
    r = check(
        services=[
            svc("a", data=[{"store": "db", "access": "read"}]),
            svc("b", data=[{"store": "db", "access": "read"}]),
        ],
        datastores=[DB],
    )
    assert [f.severity for f in fired(r, "shared-database")] == ["info"]


def test_a_datastore_with_one_service_is_not_shared():
    r = check(services=[svc("a", data=[{"store": "db", "access": "read"}])], datastores=[DB])
    assert fired(r, "shared-database") == []


def test_foreign_data_access_is_a_warning_for_reads_and_an_error_for_writes():
    r = check(
        services=[
            svc("a", data=["db"]),
            svc("b", data=[{"store": "db", "access": "read"}]),
            svc("c", data=[{"store": "db", "access": "write"}]),
        ],
        datastores=[DB],
    )
    got = {(f.target, f.severity) for f in fired(r, "foreign-data-access")}
    assert got == {("b->db", "warning"), ("c->db", "error")}


def test_foreign_data_access_needs_an_owner():
    r = check(services=[svc("a", data=["db"])], datastores=[{"id": "db", "kind": "postgres"}])
    assert fired(r, "foreign-data-access") == []


def test_cross_team_data_access_needs_both_teams_set_and_different():
    teams = [{"id": "t1"}, {"id": "t2"}]
    r = check(
        teams=teams,
        services=[
            svc("a", team="t1", data=["db"]),
            svc("b", team="t2", data=[{"store": "db", "access": "read"}]),
            svc("c", data=[{"store": "db", "access": "read"}]),
            svc("d", team="t1", data=[{"store": "db", "access": "read"}]),
        ],
        datastores=[DB],
    )
    assert [f.target for f in fired(r, "cross-team-data-access")] == ["b->db"]


def test_unowned_datastore_without_owner_or_with_an_owner_that_never_touches_it():
    r = check(
        services=[svc("a"), svc("b", data=["d2"])],
        datastores=[
            {"id": "d1", "kind": "redis"},
            {"id": "d2", "kind": "redis", "owner": "a"},
            {"id": "d3", "kind": "redis", "owner": "b"},
        ],
    )
    assert sorted(f.target for f in fired(r, "unowned-datastore")) == ["d1", "d2", "d3"]
    r = check(services=[svc("a", data=["db"])], datastores=[DB])
    assert fired(r, "unowned-datastore") == []


def _saga_model(coordination, writers=("a", "b"), compensation=None):
    services = [svc(s, data=[f"{s}-db"]) for s in writers] + [svc("c")]
    stores = [{"id": f"{s}-db", "kind": "postgres", "owner": s} for s in writers]
    steps = [
        {"service": s, "action": "do", **({"compensation": compensation} if compensation else {})}
        for s in (*writers, "c")
    ]
    return {
        "services": services,
        "datastores": stores,
        "sagas": [{"id": "saga", "coordination": coordination, "steps": steps}],
    }


def test_distributed_transaction_without_saga_for_2pc_and_none_with_two_owning_writers():
    for coordination in ("2pc", "none"):
        (f,) = fired(check(_saga_model(coordination)), "distributed-transaction-without-saga")
        assert f.target == "saga" and f.elements == ["a", "b", "saga"]
    assert (
        fired(check(_saga_model("2pc", writers=("a",))), "distributed-transaction-without-saga")
        == []
    )
    assert fired(check(_saga_model("orchestration")), "distributed-transaction-without-saga") == []


def test_distributed_transaction_counts_only_writes_to_owned_datastores():
    m = _saga_model("2pc")
    m["services"][1]["data"] = [{"store": "b-db", "access": "read"}]
    assert fired(check(m), "distributed-transaction-without-saga") == []


def test_saga_without_compensation_ignores_the_last_step():
    (f,) = fired(check(_saga_model("orchestration")), "saga-without-compensation")
    assert "2 step(s)" in f.message
    assert (
        fired(check(_saga_model("choreography", compensation="undo")), "saga-without-compensation")
        == []
    )
    assert fired(check(_saga_model("2pc")), "saga-without-compensation") == []


EVENTS = {"brokers": [{"id": "bus", "kind": "kafka"}], "events": [{"id": "e", "broker": "bus"}]}


def test_dual_write_when_writing_and_publishing_without_outbox():
    r = check(services=[svc("a", data=["db"], publishes=["e"])], datastores=[DB], **EVENTS)
    assert [f.target for f in fired(r, "dual-write")] == ["a->e"]
    r = check(
        services=[svc("a", data=["db"], publishes=[{"event": "e", "outbox": True}])],
        datastores=[DB],
        **EVENTS,
    )
    assert fired(r, "dual-write") == []
    r = check(
        services=[svc("a", data=[{"store": "db", "access": "read"}], publishes=["e"])],
        datastores=[DB],
        **EVENTS,
    )
    assert fired(r, "dual-write") == []


def test_esb_usage():
    assert [
        f.target
        for f in fired(check(brokers=[{"id": "b", "kind": "other", "role": "esb"}]), "esb-usage")
    ] == ["b"]
    assert fired(check(brokers=[{"id": "b", "kind": "kafka"}]), "esb-usage") == []
