"""Element ops: addressable edits applied all or nothing, never touching the input document."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from apps.archmodel import ModelInvalid, load_model, model_from_data
from apps.archmodel.ops import OpError, apply_ops

SHOP = Path(__file__).resolve().parents[3] / "apps" / "architectures" / "demo" / "shop.yaml"


@pytest.fixture
def shop() -> dict[str, Any]:
    return load_model(SHOP.read_bytes()).document


def service(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["services"] if s["id"] == sid)


def apply_valid(doc: dict[str, Any], ops: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    new, summary = apply_ops(doc, ops)
    return model_from_data(new).document, summary


def test_update_merges_fields_and_leaves_the_input_untouched(shop):
    before = copy.deepcopy(shop)
    new, summary = apply_valid(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    )
    assert service(new, "orders")["replicas"] == 3
    assert service(new, "orders")["title"] == "Order service"
    assert summary == ["updated service 'orders': replicas"]
    assert shop == before


def test_two_updates_of_different_fields_of_one_element_both_win(shop):
    first, _ = apply_valid(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"port": 9000}}]
    )
    second, _ = apply_valid(
        first, [{"op": "update", "kind": "service", "id": "orders", "set": {"runtime": "go"}}]
    )
    assert service(second, "orders")["port"] == 9000
    assert service(second, "orders")["runtime"] == "go"


def test_null_in_set_unsets_the_field(shop):
    new, _ = apply_valid(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"team": None}}]
    )
    assert "team" not in service(new, "orders")


def test_unknown_id_suggests_the_closest(shop):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "update", "kind": "service", "id": "order", "set": {"port": 1}}])
    assert exc.value.pointer == "/0/id"
    assert "did you mean 'orders'" in exc.value.message


def test_wrong_kind_is_named(shop):
    with pytest.raises(OpError, match="'orders' is a service, not a datastore"):
        apply_ops(
            shop, [{"op": "update", "kind": "datastore", "id": "orders", "set": {"replicas": 2}}]
        )


def test_add_with_a_used_id_is_a_duplicate_across_kinds(shop):
    with pytest.raises(OpError, match="duplicate id 'orders-db'"):
        apply_ops(shop, [{"op": "add", "kind": "team", "id": "orders-db", "value": {}}])


def test_add_service_and_api_and_call(shop):
    new, summary = apply_valid(
        shop,
        [
            {"op": "add", "kind": "service", "id": "reviews", "value": {"title": "Reviews"}},
            {"op": "add", "kind": "api", "id": "reviews-api", "parent": "reviews", "value": {}},
            {"op": "add", "kind": "call", "id": "orders->reviews", "value": {"api": "reviews-api"}},
        ],
    )
    assert service(new, "reviews")["apis"] == [{"id": "reviews-api"}]
    assert {"to": "reviews", "api": "reviews-api"} in service(new, "orders")["calls"]
    assert summary[1] == "added api 'reviews-api' to 'reviews'"


def test_a_later_op_failing_applies_nothing(shop):
    before = copy.deepcopy(shop)
    with pytest.raises(OpError) as exc:
        apply_ops(
            shop,
            [
                {"op": "update", "kind": "service", "id": "orders", "set": {"port": 1}},
                {"op": "remove", "kind": "service", "id": "nope"},
            ],
        )
    assert exc.value.pointer == "/1/id"
    assert shop == before


def test_a_call_is_addressed_from_to_and_its_shorthand_expands(shop):
    new, _ = apply_valid(
        shop, [{"op": "update", "kind": "call", "id": "web->gateway", "set": {"timeout_ms": 500}}]
    )
    assert service(new, "web")["calls"] == [{"to": "gateway", "timeout_ms": 500}]


def test_a_call_can_be_addressed_with_parent_and_target(shop):
    new, _ = apply_valid(
        shop,
        [{"op": "update", "kind": "call", "parent": "web", "id": "gateway", "set": {"tls": True}}],
    )
    assert service(new, "web")["calls"] == [{"to": "gateway", "tls": True}]


def test_a_second_call_to_the_same_target_is_refused_in_plain_words(shop):
    with pytest.raises(OpError, match=r"^/0/id: web already calls gateway$"):
        apply_ops(shop, [{"op": "add", "kind": "call", "id": "web->gateway", "index": 1}])
    with pytest.raises(OpError, match="web already calls gateway"):
        apply_ops(shop, [{"op": "add", "kind": "call", "id": "web->gateway"}])


def test_an_old_model_with_a_call_listed_twice_can_drop_one_by_index(shop):
    doc = copy.deepcopy(shop)
    service(doc, "web")["calls"].append({"to": "gateway", "timeout_ms": 9})
    with pytest.raises(ModelInvalid):
        model_from_data(doc)
    with pytest.raises(OpError, match="calls 'gateway' 2 times"):
        apply_ops(
            doc, [{"op": "update", "kind": "call", "id": "web->gateway", "set": {"tls": True}}]
        )
    new, _ = apply_valid(doc, [{"op": "remove", "kind": "call", "id": "web->gateway", "index": 1}])
    assert service(new, "web")["calls"] == ["gateway"]


def test_routes_are_addressed_by_gateway_and_path(shop):
    new, _ = apply_valid(
        shop,
        [
            {
                "op": "update",
                "kind": "route",
                "parent": "gateway",
                "id": "/api/catalog",
                "set": {"rate_limit": 7},
            }
        ],
    )
    route = service(new, "gateway")["routes"][0]
    assert route["path"] == "/api/catalog" and route["rate_limit"] == 7
    with pytest.raises(OpError, match="needs 'parent'"):
        apply_ops(shop, [{"op": "remove", "kind": "route", "id": "/api/catalog"}])


def test_suppressions_are_addressed_by_rule_and_target(shop):
    new, _ = apply_valid(
        shop,
        [
            {
                "op": "add",
                "kind": "suppression",
                "id": "shared-database:catalog-db",
                "value": {"reason": "ok"},
            }
        ],
    )
    assert {"rule": "shared-database", "target": "catalog-db", "reason": "ok"} in new[
        "suppressions"
    ]
    newer, _ = apply_valid(
        new, [{"op": "remove", "kind": "suppression", "id": "shared-database:catalog-db"}]
    )
    assert newer.get("suppressions", []) == shop.get("suppressions", [])


def test_removing_a_referenced_element_lists_the_referrers(shop):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "remove", "kind": "service", "id": "orders"}])
    message = exc.value.message
    assert "gateway" in message and "orders-db" in message and "cascade" in message


def test_cascade_removes_the_references_and_the_result_is_valid(shop):
    new, summary = apply_valid(
        shop, [{"op": "remove", "kind": "service", "id": "orders", "cascade": True}]
    )
    assert "orders" not in {s["id"] for s in new["services"]}
    assert all(r["to"] != "orders" for r in service(new, "gateway").get("routes", []))
    assert "reference(s)" in summary[0]


def test_cascade_removing_an_api_unsets_calls_to_it(shop):
    new, _ = apply_valid(
        shop, [{"op": "remove", "kind": "api", "id": "payments-api", "cascade": True}]
    )
    assert {"to": "payments", "protocol": "grpc"}.items() <= service(new, "orders")["calls"][
        0
    ].items()
    assert "api" not in service(new, "orders")["calls"][0]


def test_a_required_reference_blocks_even_a_cascade(shop):
    broker = shop["brokers"][0]["id"]
    with pytest.raises(OpError, match="required reference"):
        apply_ops(shop, [{"op": "remove", "kind": "broker", "id": broker, "cascade": True}])


def test_identity_fields_cannot_be_updated(shop):
    with pytest.raises(OpError, match="address"):
        apply_ops(shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"id": "o2"}}])


def test_the_model_itself_can_be_retitled(shop):
    new, _ = apply_valid(shop, [{"op": "update", "kind": "model", "set": {"title": "Shop 2"}}])
    assert new["title"] == "Shop 2"


@pytest.mark.parametrize(
    ("ops", "pointer"),
    [
        ("not a list", ""),
        (["nope"], "/0"),
        ([{"op": "explode", "kind": "service", "id": "x"}], "/0/op"),
        ([{"op": "add", "kind": "servce", "id": "x"}], "/0/kind"),
        ([{"op": "add", "kind": "service"}], "/0/id"),
        ([{"op": "add", "kind": "service", "id": "x", "colour": 1}], "/0/colour"),
        ([{"op": "remove", "kind": "service", "id": "web", "cascade": "yes"}], "/0/cascade"),
        (
            [
                {
                    "op": "update",
                    "kind": "call",
                    "id": "web->gateway",
                    "index": True,
                    "set": {"tls": True},
                }
            ],
            "/0/index",
        ),
        ([{"op": "update", "kind": "service", "id": "web", "set": {}}], "/0/set"),
        ([{"op": "add", "kind": "service", "id": "x", "value": [1]}], "/0/value"),
        ([{"op": "add", "kind": "service", "id": "x", "value": {"id": "y"}}], "/0/value/id"),
    ],
)
def test_malformed_ops_are_op_errors_with_a_pointer(shop, ops, pointer):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, ops)
    assert exc.value.pointer == pointer
    assert exc.value.as_dict()["kind"] == "op"


def test_an_op_that_makes_the_model_invalid_is_caught_by_validation(shop):
    new, _ = apply_ops(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"port": "http"}}]
    )
    with pytest.raises(ModelInvalid) as exc:
        model_from_data(new)
    assert exc.value.errors[0].pointer.endswith("/port")


def test_cascade_drops_journeys_whose_entry_or_route_goes_and_the_calls_items_through_it(shop):
    new, _ = apply_valid(
        shop, [{"op": "remove", "kind": "service", "id": "orders", "cascade": True}]
    )
    journeys = {j["id"]: j for j in new["journeys"]}
    assert "checkout" not in journeys  # its route /api/orders went with orders
    assert journeys["track-order"]["calls"] == ["web->gateway"]
    assert "browse-catalog" in journeys


def test_removing_a_journeys_entry_without_cascade_names_the_journey(shop):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "remove", "kind": "service", "id": "web"}])
    assert "journey 'track-order' starts at it" in exc.value.message


def test_a_journey_is_an_element_of_its_own_for_operations(shop):
    new, _ = apply_valid(
        shop,
        [
            {
                "op": "update",
                "kind": "journey",
                "id": "checkout",
                "set": {"target": {"latency_ms": 500}},
            },
            {"op": "remove", "kind": "journey", "id": "browse-catalog"},
        ],
    )
    assert [j["id"] for j in new["journeys"]] == ["checkout", "track-order"]
    assert new["journeys"][0]["target"] == {"latency_ms": 500}


# --- a service's connections: data, publish, subscribe ------------------------------------------


def test_adding_a_data_access_appends_to_the_services_list(shop):
    new, summary = apply_valid(
        shop,
        [{"op": "add", "kind": "data", "id": "shipping->payments-db", "value": {"access": "read"}}],
    )
    data = service(new, "shipping")["data"]
    assert data[:-1] == service(shop, "shipping")["data"]  # the old entries are kept as they were
    assert data[-1] == {"store": "payments-db", "access": "read"}
    assert summary == ["added data shipping->payments-db"]


def test_two_connections_added_from_one_old_document_both_survive(shop):
    # Two people add a data access to the same service, each from the document they loaded:
    # applied one after the other on the server, both are kept (a set of the whole list would
    # keep only the later one).
    ada = [{"op": "add", "kind": "data", "id": "shipping->payments-db"}]
    bob = [{"op": "add", "kind": "data", "id": "shipping->catalog-db", "value": {"access": "read"}}]
    first, _ = apply_valid(shop, ada)
    both, _ = apply_valid(first, bob)
    stores = [d if isinstance(d, str) else d["store"] for d in service(both, "shipping")["data"]]
    assert stores[-2:] == ["payments-db", "catalog-db"]


def test_publish_and_subscribe_are_added_and_removed_by_their_address(shop):
    new, _ = apply_valid(
        shop,
        [
            {"op": "add", "kind": "publish", "id": "catalog->order-placed"},
            {"op": "add", "kind": "subscribe", "id": "catalog->payment-captured"},
        ],
    )
    catalog = service(new, "catalog")
    assert catalog["publishes"] == ["order-placed"]
    assert catalog["subscribes"] == ["payment-captured"]
    back, summary = apply_valid(
        new,
        [
            {"op": "remove", "kind": "publish", "id": "catalog->order-placed"},
            {"op": "remove", "kind": "subscribe", "id": "catalog->payment-captured"},
        ],
    )
    assert "publishes" not in service(back, "catalog") or not service(back, "catalog")["publishes"]
    assert summary == [
        "removed publish catalog->order-placed",
        "removed subscribe catalog->payment-captured",
    ]


def test_a_connection_that_exists_is_refused_with_its_pointer(shop):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "add", "kind": "data", "id": "shipping->shipping-db"}])
    assert exc.value.pointer == "/0/id"
    assert exc.value.message == "shipping already accesses shipping-db"
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "add", "kind": "subscribe", "id": "shipping->order-placed"}])
    assert exc.value.message == "shipping already subscribes to order-placed"


def test_a_connection_update_sets_fields_of_that_entry_only(shop):
    new, _ = apply_valid(
        shop,
        [
            {
                "op": "update",
                "kind": "data",
                "id": "orders->catalog-db",
                "set": {"access": "read-write"},
            }
        ],
    )
    entry = next(
        d
        for d in service(new, "orders")["data"]
        if isinstance(d, dict) and d.get("store") == "catalog-db"
    )
    assert entry["access"] == "read-write"
    assert len(service(new, "orders")["data"]) == len(service(shop, "orders")["data"])


def test_a_bad_connection_address_says_how_to_write_it(shop):
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "add", "kind": "publish", "id": "orders"}])
    assert "service->event" in exc.value.message
    with pytest.raises(OpError) as exc:
        apply_ops(shop, [{"op": "remove", "kind": "data", "id": "catalog->payments-db"}])
    assert exc.value.message == "'catalog' has no data connection to 'payments-db'"
