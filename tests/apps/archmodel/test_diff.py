"""Element-level and YAML diffs between two documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.archmodel import load_model, model_from_data
from apps.archmodel.diff import diff_documents, summarize, unified_yaml_diff
from apps.archmodel.ops import apply_ops

SHOP = Path(__file__).resolve().parents[3] / "apps" / "architectures" / "demo" / "shop.yaml"


@pytest.fixture
def shop():
    return load_model(SHOP.read_bytes()).document


def edited(doc, ops):
    return model_from_data(apply_ops(doc, ops)[0]).document


def test_equal_documents_have_no_differences(shop):
    diff = diff_documents(shop, shop)
    assert diff["counts"] == {"added": 0, "removed": 0, "changed": 0}
    assert diff["model"] == {}
    assert unified_yaml_diff(shop, shop) == ""


def test_a_changed_field_reports_before_and_after(shop):
    new = edited(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 5}}]
    )
    diff = diff_documents(shop, new)
    assert diff["changed"] == [
        {
            "kind": "service",
            "id": "orders",
            "parent": None,
            "fields": {"replicas": {"before": 2, "after": 5}},
        }
    ]
    assert summarize(diff) == ["changed service 'orders': replicas"]


def test_added_and_removed_elements_are_listed_by_kind(shop):
    new = edited(
        shop,
        [
            {"op": "add", "kind": "team", "id": "team-new", "value": {"title": "New"}},
            {"op": "remove", "kind": "call", "id": "payments->payment-provider"},
        ],
    )
    diff = diff_documents(shop, new)
    assert [(e["kind"], e["id"]) for e in diff["added"]] == [("team", "team-new")]
    assert [(e["kind"], e["id"], e["parent"]) for e in diff["removed"]] == [
        ("call", "payments->payment-provider", "payments")
    ]


def test_a_change_inside_an_api_is_not_a_change_of_its_service(shop):
    new = edited(
        shop, [{"op": "update", "kind": "api", "id": "orders-api", "set": {"version": "v2"}}]
    )
    diff = diff_documents(shop, new)
    assert [(e["kind"], e["id"]) for e in diff["changed"]] == [("api", "orders-api")]


def test_model_level_fields_are_diffed(shop):
    new = edited(shop, [{"op": "update", "kind": "model", "set": {"title": "Other"}}])
    assert diff_documents(shop, new)["model"] == {
        "title": {"before": shop["title"], "after": "Other"}
    }


def test_unified_diff_shows_the_changed_yaml_line(shop):
    new = edited(
        shop, [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 5}}]
    )
    text = unified_yaml_diff(shop, new, from_label="r1", to_label="r2")
    assert text.startswith("--- r1\n+++ r2\n")
    assert "-    replicas: 2\n" in text and "+    replicas: 5\n" in text


def test_a_journeys_calls_and_target_are_diffed_as_its_fields(shop):
    new = edited(
        shop,
        [
            {
                "op": "update",
                "kind": "journey",
                "id": "track-order",
                "set": {
                    "calls": ["web->gateway", "gateway->orders"],
                    "target": {"latency_ms": 150},
                },
            }
        ],
    )
    (change,) = diff_documents(shop, new)["changed"]
    assert (change["kind"], change["id"]) == ("journey", "track-order")
    assert set(change["fields"]) == {"calls", "target"}
