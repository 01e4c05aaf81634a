"""Loading the resilience-analysis keys of ANALYSIS.md: ``slo`` on services, datastores and
brokers (effective per key), and ``journeys`` with their checks."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from apps.archmodel import ModelInvalid, dump_yaml, load_model, model_json_schema

MINI = (Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml").read_text()
BASE = """apiVersion: workbench/v1
name: shop
actors: [{id: shopper, calls: [gw, web]}]
services:
  - {id: gw, kind: gateway, routes: [{path: /orders, to: orders}], calls: [stock]}
  - {id: web, kind: frontend, calls: [gw]}
  - {id: orders, calls: [stock]}
  - {id: stock}
"""


def errors_of(text: str) -> list:
    with pytest.raises(ModelInvalid) as info:
        load_model(text)
    return info.value.errors


def only_error(text: str):
    errs = errors_of(text)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def test_slo_is_effective_per_key_from_the_element_then_defaults_then_built_in():
    model = load_model(
        """apiVersion: workbench/v1
name: shop
defaults:
  service: {slo: {latency_ms: 15}}
  datastore: {slo: {availability: 99.99}}
  broker: {slo: {latency_ms: 8}}
services:
  - {id: orders, slo: {availability: 99.95}}
  - {id: pay, kind: external}
datastores: [{id: db, kind: postgres}, {id: cache, kind: redis, slo: {latency_ms: 1}}]
brokers: [{id: bus, kind: kafka}]
"""
    )
    orders, pay = model.services
    assert (orders.slo.availability, orders.slo.latency_ms) == (99.95, 15)
    assert (pay.slo.availability, pay.slo.latency_ms) == (99.9, 15)
    db, cache = model.datastores
    assert (db.slo.availability, db.slo.latency_ms) == (99.99, 5)
    assert (cache.slo.availability, cache.slo.latency_ms) == (99.99, 1)
    assert (model.brokers[0].slo.availability, model.brokers[0].slo.latency_ms) == (99.95, 8)


def test_the_worked_example_loads_and_round_trips_byte_identically():
    model = load_model(MINI)
    assert [j.id for j in model.journeys] == ["checkout", "browse"]
    assert model.journeys[1].calls == ["shopper->gw", "gw->stock"]
    assert model.journeys[0].target is not None and model.journeys[0].target.latency_ms == 400
    first = dump_yaml(model)
    assert dump_yaml(load_model(first)) == first
    assert model.kind_of("checkout") == "journey"


def test_the_published_schema_accepts_the_new_keys_and_refuses_out_of_range_ones():
    schema = model_json_schema()
    doc = load_model(MINI).document
    jsonschema.validate(doc, schema)
    bad = {**doc, "brokers": [{"id": "bus", "kind": "rabbitmq", "slo": {"availability": 100}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize(
    ("slo", "message"),
    [
        ("{availability: 100}", "must be less than 100"),
        ("{availability: 0}", "must be more than 0"),
        ("{latency_ms: -1}", "must be at least 0"),
        ("{latency: 3}", "unknown key 'latency'"),
    ],
)
def test_out_of_range_or_unknown_slo_keys_are_errors(slo, message):
    err = only_error(f"apiVersion: workbench/v1\nname: shop\nservices: [{{id: a, slo: {slo}}}]\n")
    assert message in err.message
    assert err.pointer.startswith("/services/0/slo")
    assert err.line == 3


def test_a_target_may_be_one_hundred_percent_but_not_more():
    ok = BASE + "journeys: [{id: j, entry: gw, target: {availability: 100, latency_ms: 1}}]\n"
    assert load_model(ok).journeys[0].target.availability == 100
    err = only_error(BASE + "journeys: [{id: j, entry: gw, target: {availability: 100.5}}]\n")
    assert err.pointer == "/journeys/0/target/availability"
    err = only_error(BASE + "journeys: [{id: j, entry: gw, target: {latency_ms: 0}}]\n")
    assert "must be more than 0" in err.message


def test_a_journey_id_joins_the_one_namespace():
    err = only_error(BASE + "journeys: [{id: orders, entry: gw}]\n")
    assert err.kind == "duplicate-id" and err.pointer == "/journeys/0/id"


@pytest.mark.parametrize(
    ("journey", "pointer", "message"),
    [
        ("{id: j, entry: orders}", "/journeys/0/entry", "a journey's entry is an actor"),
        ("{id: j, entry: nope}", "/journeys/0/entry", "unknown entry 'nope'"),
        ("{id: j, entry: web, route: /orders}", "/journeys/0/route", "needs a gateway entry"),
        ("{id: j, entry: gw, route: /order}", "/journeys/0/route", "did you mean '/orders'"),
        ("{id: j, entry: gw, calls: [gw-orders]}", "/journeys/0/calls/0", "is not an edge"),
        ("{id: j, entry: gw, calls: [gw->stok]}", "/journeys/0/calls/0", "did you mean 'stock'"),
        ("{id: j, entry: gw, calls: [zz->stock]}", "/journeys/0/calls/0", "unknown actor"),
        ("{id: j, entry: shopper, calls: [gw->orders]}", "/journeys/0/calls", "no start node"),
    ],
)
def test_journey_mistakes_are_errors_with_a_pointer_and_line(journey, pointer, message):
    err = only_error(BASE + f"journeys:\n  - {journey}\n")
    assert err.pointer == pointer
    assert message in err.message
    assert err.line == 10


def test_routes_and_actor_calls_are_valid_calls_items():
    model = load_model(
        BASE + "journeys: [{id: j, entry: shopper, calls: [shopper->gw, gw->orders, gw->stock]}]\n"
    )
    assert model.journeys[0].calls == ["shopper->gw", "gw->orders", "gw->stock"]


def test_every_existing_file_without_the_new_keys_keeps_loading():
    model = load_model(BASE)
    assert model.journeys == []
    assert model.services[0].slo.availability == 99.9


def test_a_dangling_call_is_reported_once_not_again_on_each_journey_through_it():
    text = BASE.replace("calls: [gw, web]", "calls: [gww, web]") + (
        "journeys: [{id: j, entry: shopper, calls: [shopper->gww]}]\n"
    )
    err = only_error(text)
    assert err.pointer == "/actors/0/calls/0" and "did you mean 'gw'" in err.message


def test_the_editor_inspector_gets_the_new_keys_from_the_spec():
    from apps.editor.spec_json import editor_spec

    spec = editor_spec()
    assert spec["collections"]["journeys"] == "journey"
    journey = [f["name"] for f in spec["kinds"]["journey"]["fields"]]
    assert journey == ["id", "title", "description", "entry", "route", "calls", "target"]
    for kind in ("service", "datastore", "broker"):
        assert "slo" in [f["name"] for f in spec["kinds"][kind]["fields"]]
