"""Importers on real public examples (tests/fixtures/imports/README.md names the sources)."""

from __future__ import annotations

from apps.archmodel import model_from_data
from apps.rules.engine import check_model

from .helpers import calls, data, kinds, public, run, services


def check(doc):
    return check_model(model_from_data(doc)).findings


def test_voting_app_compose_reads_who_uses_which_store():
    doc, report = run("compose", "compose/voting-app.yml")
    model_from_data(doc)
    assert set(services(doc)) == {"vote", "result", "worker", "seed"}
    assert kinds(doc, "datastores") == {"redis": "redis", "db": "postgres"}
    assert data(doc, "vote") == {"redis"}
    assert data(doc, "worker") == {"redis", "db"}
    assert data(doc, "result") == {"db"}
    assert calls(doc, "seed") == {"vote"}
    assert public(doc) == {"vote", "result"}  # 9229 is bound to 127.0.0.1: a debug port
    assert services(doc)["vote"]["health"] is True
    assert services(doc)["vote"]["port"] == 80
    assert any("127.0.0.1" in i.message for i in report.ignored)
    assert any(i.line == 11 and "redis" in i.message for i in report.inferred)


def test_voting_app_v3_compose_only_knows_the_worker_dependencies():
    doc, _ = run("compose", "compose/voting-app-v3.yml")
    assert data(doc, "worker") == {"redis", "db"}
    assert "data" not in services(doc)["vote"] and "calls" not in services(doc)["vote"]


def test_online_boutique_manifests_give_services_calls_and_the_cart_store():
    doc, report = run("kubernetes", "kubernetes/boutique")
    model_from_data(doc)
    assert set(services(doc)) == {
        "emailservice",
        "checkoutservice",
        "recommendationservice",
        "frontend",
        "paymentservice",
        "productcatalogservice",
        "cartservice",
        "currencyservice",
        "shippingservice",
        "adservice",
    }
    assert kinds(doc, "datastores") == {"redis-cart": "redis"}
    assert calls(doc, "checkoutservice") == {
        "productcatalogservice",
        "shippingservice",
        "paymentservice",
        "emailservice",
        "currencyservice",
        "cartservice",
    }
    assert calls(doc, "frontend") == {
        "productcatalogservice",
        "currencyservice",
        "cartservice",
        "recommendationservice",
        "shippingservice",
        "checkoutservice",
        "adservice",
    }
    assert calls(doc, "recommendationservice") == {"productcatalogservice"}
    # the load generator is tooling, not a service of the shop
    assert any("'loadgenerator' is load generator tooling" in i.message for i in report.ignored)
    # no evidence of the runtimes in the manifests: other, not the python default
    assert {s["runtime"] for s in doc["services"]} == {"other"}
    assert data(doc, "cartservice") == {"redis-cart"}
    assert services(doc)["frontend"]["health"] == {
        "liveness": "/_healthz",
        "readiness": "/_healthz",
    }
    assert services(doc)["emailservice"]["health"] is True
    checkout_calls = services(doc)["checkoutservice"]["calls"]
    assert all(c["protocol"] == "grpc" for c in checkout_calls)  # Service ports named grpc
    assert services(doc)["frontend"]["port"] == 8080


def test_petstore_becomes_one_service_with_three_operations():
    doc, _ = run("openapi", "openapi/petstore.yaml")
    (svc,) = doc["services"]
    (api,) = svc["apis"]
    assert svc["id"] == "swagger-petstore"
    assert api["version"] == "v1"
    assert api["operations"] == [
        {"method": "GET", "path": "/pets"},
        {"method": "POST", "path": "/pets"},
        {"method": "GET", "path": "/pets/{petId}"},
    ]


def test_petstore_onto_a_named_service():
    doc, _ = run("openapi", "openapi/petstore.yaml", service="pets")
    assert doc["services"][0]["id"] == "pets"


def test_streetlights_asyncapi_2_uses_the_client_point_of_view():
    doc, _ = run("asyncapi", "asyncapi/streetlights-kafka-2.yml")
    (svc,) = doc["services"]
    assert kinds(doc, "brokers") == {"kafka": "kafka"}
    assert svc["subscribes"] == ["light-measured"]  # 'publish' = the app receives
    assert set(svc["publishes"]) == {"turn-on-off", "turn-on-off-event", "dim-light"}
    channels = {e["id"]: e["channel"] for e in doc["events"]}
    assert channels["turn-on-off-event"].endswith(".turn.off")
    assert doc["events"][0]["schema"]["properties"]["lumens"]["type"] == "integer"


def test_streetlights_asyncapi_3_reads_send_and_receive():
    doc, _ = run("asyncapi", "asyncapi/streetlights-kafka-3.yml")
    (svc,) = doc["services"]
    assert svc["subscribes"] == ["light-measured"]
    assert svc["publishes"] == ["turn-on", "turn-off", "dim-light"]
    assert {e["broker"] for e in doc["events"]} == {"kafka"}


def test_backstage_catalog_relations():
    doc, report = run("backstage", "backstage/catalog-info.yaml")
    s = services(doc)
    assert s["www-artist"]["kind"] == "frontend"
    assert calls(doc, "www-artist") == {"artist-lookup"}
    assert data(doc, "artist-lookup") == {"artists-db"}
    assert s["wayback-search"]["calls"] == [{"to": "wayback-archive", "api": "wayback-archive-api"}]
    assert s["wayback-archive"]["apis"][0]["id"] == "wayback-archive-api"  # one namespace
    assert s["artist-lookup"]["team"] == "team-a" and s["artist-lookup"]["domain"] == "artists"
    assert kinds(doc, "datastores") == {"artists-db": "other"}
    assert any("never fetched" in i.message for i in report.ignored)


def test_microtosca_yaml_helloworld():
    doc, report = run("microtosca", "microtosca/helloworld.yml")
    s = services(doc)
    assert s["gateway"]["kind"] == "gateway"
    assert s["order"]["calls"] == [{"to": "shipping", "timeout_ms": 1000}]
    assert data(doc, "order") == {"order-db"} and data(doc, "shipping") == {"order-db"}
    assert kinds(doc, "brokers") == {"rabbitmq": "rabbitmq"}
    assert s["order"]["team"] == "team2" and s["shipping"]["team"] == "team1"
    assert public(doc) == {"order", "shipping", "gateway"}
    assert any("1000 ms is a guess" in i.message for i in report.guessed)
    assert any("rabbitmq" in i.message for i in report.ignored)


def test_microtosca_json_export_gives_the_same_architecture():
    yaml_doc, _ = run("microtosca", "microtosca/helloworld.yml")
    json_doc, _ = run("microtosca", "microtosca/helloworld.json")
    for sid in ("order", "shipping", "gateway"):
        assert calls(yaml_doc, sid) == calls(json_doc, sid)
        assert data(yaml_doc, sid) == data(json_doc, sid)


def test_microtosca_case_study_relationship_templates():
    doc, _ = run("microtosca", "microtosca/case-study.yml")
    assert len(doc["services"]) == 12 and len(doc["datastores"]) == 7
    # a timeout of unknown length, guessed longer than the timed chain below it
    s1_depth = max(c.get("timeout_ms", 0) for c in services(doc)["s1"].get("calls", [{}]))
    assert services(doc)["s12"]["calls"][0] == {"to": "s1", "timeout_ms": 1000 + s1_depth}
    assert "timeout-budget-inversion" not in {f.rule for f in check(doc)}
    assert services(doc)["s12"]["x-imported"]["guessed"]
    assert {s["runtime"] for s in doc["services"]} == {"other"}
    assert calls(doc, "s4") == {"s6"}
    assert public(doc) == {"s1", "s2"}
