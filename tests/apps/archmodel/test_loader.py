"""Loading workbench/v1 files: examples, effective values, every kind of error."""

from __future__ import annotations

import pytest

from apps.archmodel import Limits, ModelInvalid, dump_json, dump_yaml, load_model, model_from_data
from tests.support import example_paths

BASE = "apiVersion: workbench/v1\nname: shop\n"


def errors_of(text: str | bytes, **kw) -> list:
    with pytest.raises(ModelInvalid) as info:
        load_model(text, **kw)
    return info.value.errors


def only_error(text: str | bytes, **kw):
    errs = errors_of(text, **kw)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_every_example_loads_and_round_trips_byte_identically_after_one_dump(path):
    first = dump_yaml(load_model(path.read_bytes()))
    second = dump_yaml(load_model(first))
    assert second == first
    assert dump_yaml(load_model(dump_json(load_model(first)))) == first


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_dump_is_lossless(path):
    model = load_model(path.read_bytes())
    again = load_model(dump_yaml(model))
    assert again.document == model.document


def test_an_empty_model_is_valid():
    model = load_model(BASE)
    assert model.name == "shop" and model.services == []


def test_effective_values_come_from_the_element_then_defaults_then_builtins():
    model = load_model(
        BASE
        + """
defaults:
  call: {timeout_ms: 2000, retries: {max: 1, backoff_ms: 200, jitter: true}, circuit_breaker: true, tls: mtls}
  service: {replicas: 2, health: true, observability: {logging: central, metrics: true}}
services:
  - id: a
    calls: [b, {to: c, timeout_ms: 300, tls: false, retries: 0}]
    observability: {tracing: true}
  - id: b
    replicas: {min: 3, max: 6}
    apis: [{id: b-api, style: grpc, operations: [{name: Get}]}]
  - id: c
    health: false
"""
    )
    a, b, c = model.services
    to_b, to_c = a.calls
    assert (to_b.timeout_ms, to_b.retries.max, to_b.retries.jitter, to_b.tls) == (
        2000,
        1,
        True,
        "mtls",
    )
    assert to_b.circuit_breaker is not None and to_b.circuit_breaker.failure_threshold == 5
    assert (to_c.timeout_ms, to_c.tls, to_c.retries.max) == (300, False, 0)
    assert (a.replicas.min, a.replicas.max) == (2, 2)
    assert (b.replicas.min, b.replicas.max, b.replicas.autoscaled) == (3, 6, True)
    assert a.health is not None and a.health.readiness == "/healthz"
    assert c.health is None
    assert (a.observability.logging, a.observability.metrics, a.observability.tracing) == (
        "central",
        True,
        True,
    )
    assert a.deploy.container == "a" and a.port == 8080 and a.runtime == "python"


def test_call_protocol_follows_the_api_style_unless_given():
    model = load_model(
        BASE
        + """
services:
  - id: a
    calls: [{to: b, api: b-api}, {to: c, api: c-api, protocol: http}]
  - id: b
    apis: [{id: b-api, style: grpc}]
  - id: c
    apis: [{id: c-api, style: grpc}]
"""
    )
    assert [c.protocol for c in model.services[0].calls] == ["grpc", "http"]


def test_operations_are_idempotent_by_method_unless_marked():
    model = load_model(
        BASE
        + """
services:
  - id: a
    apis:
      - id: a-api
        operations:
          - {method: GET, path: /x}
          - {method: POST, path: /x}
          - {method: PUT, path: /x, idempotent: false}
          - {method: POST, path: /y, idempotent: true}
"""
    )
    assert [o.idempotent for o in model.services[0].apis[0].operations] == [
        True,
        False,
        False,
        True,
    ]


def test_shorthands_are_kept_short_and_explicit_values_are_kept():
    text = (
        BASE
        + """
services:
  - id: a
    calls: [{to: b}, {to: c, retries: {max: 2}}]
    data: [{store: d}, {store: d2, access: read-write}]
  - id: b
  - id: c
datastores: [{id: d, kind: postgres}, {id: d2, kind: redis}]
"""
    )
    doc = load_model(text).document
    assert doc["services"][0]["calls"] == ["b", {"to": "c", "retries": 2}]
    assert doc["services"][0]["data"] == ["d", {"store": "d2", "access": "read-write"}]


def test_x_keys_are_kept_verbatim_and_explicit_nulls_are_dropped():
    doc = load_model(
        BASE + "title: null\nx-owner: {team: [1, 2]}\nservices: [{id: a, x-note: yes}]\n"
    ).document
    assert "title" not in doc
    assert doc["x-owner"] == {"team": [1, 2]}
    assert doc["services"][0]["x-note"] is True


def test_dates_stay_text_and_round_trip_unquoted():
    text = (
        BASE
        + "suppressions: [{rule: orphan-event, target: x, reason: later, expires: 2027-06-30}]\n"
    )
    model = load_model(text)
    assert model.suppressions[0].expires == "2027-06-30"
    assert "expires: 2027-06-30" in dump_yaml(model)


def test_keys_like_on_and_yes_stay_strings():
    doc = load_model(BASE + "x-flags: {on: 1, yes: 2}\n").document
    assert doc["x-flags"] == {"on": 1, "yes": 2}


def test_json_files_load_with_positions():
    errs = errors_of(
        '{\n  "apiVersion": "workbench/v1",\n  "name": "shop",\n  "services": [{"id": "A"}]\n}'
    )
    assert errs[0].pointer == "/services/0/id" and errs[0].line == 4


def test_model_from_data_validates_stored_documents():
    model = model_from_data({"apiVersion": "workbench/v1", "name": "x", "services": [{"id": "a"}]})
    assert model.services[0].id == "a"
    with pytest.raises(ModelInvalid):
        model_from_data({"apiVersion": "workbench/v1", "name": "x", "services": [{"id": "A"}]})


# --- every kind of error, with pointer, line and column -------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "pointer", "line", "column", "words"),
    [
        ("apiVersion: workbench/v1\nname: [a\n", "syntax", "/name", 3, 1, "YAML syntax error"),
        (BASE + "servics: []\n", "unknown-key", "/servics", 3, 1, "did you mean 'services'"),
        (
            BASE + "services: [{id: a, port: '80'}]\n",
            "type",
            "/services/0/port",
            3,
            26,
            "whole number",
        ),
        (
            BASE + "services: [{id: a, port: 99999}]\n",
            "value",
            "/services/0/port",
            3,
            26,
            "at most 65535",
        ),
        (
            BASE + "services: [{id: a, kind: servce}]\n",
            "value",
            "/services/0/kind",
            3,
            26,
            "did you mean 'service'",
        ),
        (
            BASE + "services: [{id: a}]\nteams: [{id: a}]\n",
            "duplicate-id",
            "/teams/0/id",
            4,
            14,
            "already used by the service",
        ),
        (
            BASE + "services: [{id: Order_Service}]\n",
            "bad-id",
            "/services/0/id",
            3,
            17,
            "'order-service'",
        ),
        (
            BASE + "services: [{id: a, calls: [paymnts]}, {id: payments}]\n",
            "dangling-reference",
            "/services/0/calls/0",
            3,
            28,
            "did you mean 'payments'",
        ),
        (
            BASE + "services: [{id: a, team: a}]\n",
            "dangling-reference",
            "/services/0/team",
            3,
            26,
            "'a' is a service, not a team",
        ),
        (
            BASE + "services: [{id: a, calls: [{to: b, api: a-api}]}, {id: b}]\n" + "",
            "dangling-reference",
            "/services/0/calls/0/api",
            3,
            41,
            "unknown api",
        ),
        (
            BASE + "services: [{id: a, calls: [a]}]\n",
            "self-call",
            "/services/0/calls/0",
            3,
            28,
            "calls itself",
        ),
        (
            BASE + "services: [{id: a, routes: [{path: /x, to: b}]}, {id: b}]\n",
            "dangling-reference",
            "/services/0/routes",
            3,
            28,
            "only a service of kind: gateway",
        ),
        (
            BASE + "services: [{id: a, calls: [{api: x}]}]\n",
            "value",
            "/services/0/calls/0",
            3,
            28,
            "missing required key 'to'",
        ),
        ("apiVersion: workbench/v2\nname: x\n", "value", "/apiVersion", 1, 13, "workbench/v1"),
        ("- a\n- b\n", "type", "", None, None, "must be a mapping"),
    ],
)
def test_each_error_kind_has_pointer_line_column_and_an_actionable_message(
    text, kind, pointer, line, column, words
):
    err = only_error(text)
    assert (err.kind, err.pointer) == (kind, pointer)
    if line is not None:
        assert (err.line, err.column) == (line, column)
    assert words in err.message


def test_api_of_another_service_is_a_wrong_kind_reference():
    err = only_error(
        BASE
        + """
services:
  - {id: a, calls: [{to: b, api: c-api}]}
  - {id: b, apis: [{id: b-api}]}
  - {id: c, apis: [{id: c-api}]}
"""
    )
    assert err.pointer == "/services/0/calls/0/api"
    assert "provided by 'c', not by 'b'" in err.message and "b-api" in err.message


def test_unknown_operation_of_a_named_api_is_reported():
    err = only_error(
        BASE
        + """
services:
  - {id: a, calls: [{to: b, api: b-api, operation: "GET /stok"}]}
  - {id: b, apis: [{id: b-api, operations: [{method: GET, path: /stock}]}]}
"""
    )
    assert err.pointer == "/services/0/calls/0/operation" and "GET /stock" in err.message


def test_every_error_is_reported_at_once_in_source_order():
    errs = errors_of(
        BASE
        + """
services:
  - {id: a, kind: nope, calls: [zz]}
  - {id: a, port: x}
datastores: [{id: d, kind: postgres, owner: q}]
"""
    )
    assert [e.pointer for e in errs] == [
        "/services/0/kind",
        "/services/0/calls/0",
        "/services/1/id",
        "/services/1/port",
        "/datastores/0/owner",
    ]
    assert [e.line for e in errs] == sorted(e.line for e in errs)


def test_required_fields_and_empty_required_values():
    errs = errors_of("apiVersion: workbench/v1\nevents: [{id: e, broker: }]\n")
    messages = " | ".join(e.message for e in errs)
    assert "missing required key 'name'" in messages
    assert "'broker' is required and cannot be empty" in messages


def test_rest_operations_need_method_and_path_and_rpc_ones_a_name():
    errs = errors_of(
        BASE + "services: [{id: a, apis: [{id: r, operations: [{name: X}]}, "
        "{id: g, style: grpc, operations: [{method: GET, path: /}]}]}]\n"
    )
    assert {e.pointer for e in errs} == {
        "/services/0/apis/0/operations/0",
        "/services/0/apis/1/operations/0",
    }


# --- hostile input ---------------------------------------------------------------------------


def test_aliases_and_anchors_are_refused_so_billion_laughs_cannot_expand():
    laughs = (
        "apiVersion: workbench/v1\nname: x\nx-a: &a [lol, lol]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        + "".join(
            f"x-{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("bcdefgh", "cdefghi", strict=False)
        )
    )
    err = errors_of(laughs)[0]
    assert (
        err.kind == "syntax"
        and "anchors and aliases are not allowed" in err.message
        and err.line == 3
    )


def test_custom_tags_are_refused():
    err = only_error(BASE + "title: !!python/object:os.system echo\n")
    assert "custom tag" in err.message and err.line == 3


def test_duplicate_keys_are_refused_with_both_lines():
    err = only_error(BASE + "services: []\nservices: []\n")
    assert err.line == 4 and "duplicate key 'services' (first at line 3)" in err.message


def test_deep_nesting_is_refused_without_recursion():
    deep = BASE + "x-deep: " + "[" * 100_000 + "]" * 100_000 + "\n"
    err = only_error(deep)
    assert err.kind == "limit" and "nesting deeper than" in err.message


def test_file_size_limit_is_checked_before_parsing():
    err = only_error(b"x" * 50_000_001, limits=Limits())
    assert err.kind == "limit" and "50,000,001 bytes" in err.message


def test_element_count_limit():
    services = "".join(f"  - id: s{i}\n" for i in range(30))
    err = only_error(BASE + "services:\n" + services, limits=Limits(max_elements=20))
    assert err.kind == "limit" and "30 elements" in err.message


def test_non_utf8_bytes_give_their_position():
    err = only_error(BASE.encode() + b"title: caf\xe9\n")
    assert (
        err.kind == "syntax"
        and "not valid UTF-8" in err.message
        and (err.line, err.column) == (3, 11)
    )


def test_more_than_one_document_is_refused():
    assert "more than one YAML document" in only_error(BASE + "---\n" + BASE).message


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_files_get_a_helpful_message(text):
    assert "empty" in only_error(text).message


def test_infinite_numbers_are_refused():
    assert "infinite" in only_error(BASE + "x-n: .inf\n").message


def test_control_characters_are_a_syntax_error_not_a_crash():
    assert only_error(BASE + "title: a\x00b\n").kind == "syntax"


def test_non_string_mapping_keys_are_refused():
    assert "mapping key" in only_error(BASE + "x-a: {[1]: 2}\n").message


def test_a_call_listed_twice_is_an_error_at_the_second_with_its_pointer():
    err = only_error(
        BASE
        + "services:\n  - id: orders\n    calls: [payments, {to: payments, timeout_ms: 5}]\n"
        + "  - id: payments\n"
    )
    assert (err.kind, err.pointer) == ("duplicate-connection", "/services/0/calls/1")
    assert "'orders' already calls 'payments'" in err.message


def test_an_actor_calling_a_service_twice_is_an_error():
    err = only_error(BASE + "actors: [{id: shopper, calls: [web, web]}]\nservices: [{id: web}]\n")
    assert (err.kind, err.pointer) == ("duplicate-connection", "/actors/0/calls/1")


def test_a_datastore_accessed_twice_by_one_service_is_an_error():
    err = only_error(
        BASE
        + "services: [{id: orders, data: [orders-db, {store: orders-db, access: read}]}]\n"
        + "datastores: [{id: orders-db, kind: postgres}]\n"
    )
    assert (err.kind, err.pointer) == ("duplicate-connection", "/services/0/data/1")
    assert "'orders' already accesses 'orders-db'" in err.message


def test_two_services_calling_one_target_is_not_a_duplicate():
    model = load_model(BASE + "services: [{id: a, calls: [c]}, {id: b, calls: [c]}, {id: c}]\n")
    assert [len(s.calls) for s in model.services] == [1, 1, 0]
