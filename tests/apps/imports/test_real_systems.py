"""Real compose projects (tests/fixtures/imports/README.md names the sources): the model a
person would write — what every container is, the calls, the datastores and their owners —
and the findings that must not appear."""

from __future__ import annotations

from apps.archmodel import model_from_data
from apps.imports.importers import import_files
from apps.imports.importers.sources import with_env_files
from apps.rules.engine import check_model

from .helpers import FIXTURES, calls, data, kinds, public, services


def project(*paths: str) -> tuple[dict, object]:
    """The files as `docker compose -f ... -f ...` reads them (with the .env beside the first)."""
    files = with_env_files([str(FIXTURES / "compose" / p) for p in paths], None)
    return import_files("compose", files)


def tooling(report) -> dict[str, str]:
    out = {}
    for item in report.ignored:
        if " tooling (" in item.message:
            name, _, rest = item.message[1:].partition("' is ")
            out[name] = rest.split(" tooling", 1)[0]
    return out


def severities(doc: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in check_model(model_from_data(doc)).findings:
        out.setdefault(f.severity, set()).add(f.rule)
    return out


def owners(doc: dict) -> dict[str, str | None]:
    return {d["id"]: d.get("owner") for d in doc.get("datastores", [])}


def test_otel_demo_three_files_and_env():
    doc, report = project("otel-demo/compose.yaml", "otel-demo/compose.full.yaml",
                          "otel-demo/compose.observability.yaml")  # fmt: skip
    assert set(services(doc)) == {
        "ad", "cart", "checkout", "currency", "email", "frontend", "frontend-proxy",
        "image-provider", "payment", "product-catalog", "quote", "recommendation", "shipping",
        "flagd", "flagd-ui", "telemetry-docs", "accounting", "fraud-detection",
    }  # fmt: skip
    assert tooling(report) == {
        "load-generator": "load generator",
        "otel-collector": "tracing",
        "jaeger": "tracing",
        "grafana": "dashboards",
        "prometheus": "metrics",
        "opamp-server": "telemetry agent management",
    }
    # opensearch only stores the collector's logs: tooling too
    assert any("'opensearch' is used only by" in i.message for i in report.ignored)
    # the images, ports and both datastores come from .env
    assert kinds(doc, "datastores") == {"astronomy-db": "postgres", "valkey-cart": "redis"}
    assert kinds(doc, "brokers") == {"kafka": "kafka"}
    assert owners(doc) == {"astronomy-db": None, "valkey-cart": "cart"}
    assert data(doc, "accounting") == data(doc, "product-catalog") == {"astronomy-db"}
    assert services(doc)["frontend-proxy"]["kind"] == "gateway"
    assert public(doc) == {"frontend-proxy"}  # other ports are published on random host ports
    assert calls(doc, "checkout") == {
        "flagd", "cart", "currency", "email", "payment", "product-catalog", "shipping",
    }  # fmt: skip
    assert services(doc)["checkout"]["observability"] == {
        "logging": "central",
        "metrics": True,
        "tracing": True,
    }
    assert services(doc)["cart"]["runtime"] == "dotnet"
    assert services(doc)["ad"]["runtime"] == "java"
    assert services(doc)["frontend"]["runtime"] == "node"  # its health command runs node
    assert services(doc)["currency"]["runtime"] == "other"  # no evidence: not python
    found = severities(doc)
    # the one error: accounting and product-catalog both write astronomy_db (true)
    assert found["error"] == {"shared-database"}
    assert "timeout-budget-inversion" not in found.get("warning", set())
    assert "no-api-gateway" not in found.get("warning", set())


def test_train_ticket_pairs_each_service_with_its_store_and_has_one_entry():
    doc, report = project("train-ticket/docker-compose.yml")
    assert len(services(doc)) == 42 and len(doc["datastores"]) == 26
    assert owners(doc)["ts-order-mongo"] == "ts-order-service"
    assert owners(doc)["ts-voucher-mysql"] == "ts-voucher-service"
    assert kinds(doc, "datastores")["ts-voucher-mysql"] == "mysql"
    assert public(doc) == {"ts-ui-dashboard"}  # every service publishes a port: development
    findings = check_model(model_from_data(doc)).findings
    assert not [f for f in findings if f.severity == "error"]
    # 42 services publish ports; only the UI's is taken as the entry point
    assert [f.target for f in findings if f.rule == "no-api-gateway"] == ["user->ts-ui-dashboard"]
    assert any("their names pair" in i.message for i in report.guessed)


def test_robot_shop_stores_built_from_local_dockerfiles_are_stores():
    doc, _ = project("robot-shop/docker-compose.yaml")
    assert set(services(doc)) == {
        "catalogue", "user", "cart", "shipping", "ratings", "payment", "dispatch", "web",
    }  # fmt: skip
    assert kinds(doc, "datastores") == {"mongodb": "mongodb", "redis": "redis", "mysql": "mysql"}
    assert kinds(doc, "brokers") == {"rabbitmq": "rabbitmq"}
    assert calls(doc, "web") == {"catalogue", "user", "shipping", "payment"}
    assert data(doc, "catalogue") == {"mongodb"}
    # depends_on alone is a start order: read at most, never two writers
    assert "error" not in severities(doc)


def test_piggymetrics_platform_services_are_tooling_and_each_service_owns_its_mongodb():
    doc, report = project("piggymetrics/docker-compose.yml", "piggymetrics/docker-compose.dev.yml")
    assert set(services(doc)) == {
        "gateway", "auth-service", "account-service", "statistics-service", "notification-service",
    }  # fmt: skip
    assert tooling(report) == {
        "config": "configuration",
        "registry": "discovery",
        "monitoring": "dashboards",
        "turbine-stream-service": "metrics",
    }
    assert owners(doc) == {
        "auth-mongodb": "auth-service",
        "account-mongodb": "account-service",
        "statistics-mongodb": "statistics-service",
        "notification-mongodb": "notification-service",
    }
    assert services(doc)["gateway"]["kind"] == "gateway" and public(doc) == {"gateway"}
    found = severities(doc)
    assert "error" not in found and "unowned-datastore" not in found.get("warning", set())


def test_spring_petclinic_gateway_and_spring_cloud_platform():
    doc, report = project("petclinic/docker-compose.yml")
    assert set(services(doc)) == {
        "api-gateway", "customers-service", "visits-service", "vets-service", "genai-service",
    }  # fmt: skip
    assert tooling(report) == {
        "config-server": "configuration",
        "discovery-server": "discovery",
        "tracing-server": "tracing",
        "admin-server": "admin UI",
        "grafana-server": "dashboards",
        "prometheus-server": "metrics",
    }
    assert services(doc)["api-gateway"]["kind"] == "gateway"
    assert {s["runtime"] for s in doc["services"]} == {"java"}  # springcommunity images
    assert "error" not in severities(doc)


def test_sock_shop_with_its_monitoring_override():
    doc, report = project("sock-shop/docker-compose.yml", "sock-shop/docker-compose.monitoring.yml")
    assert set(services(doc)) == {
        "front-end", "edge-router", "catalogue", "carts", "orders", "shipping",
        "queue-master", "payment", "user",
    }  # fmt: skip
    assert tooling(report) == {
        "user-sim": "load generator",
        "prometheus": "metrics",
        "nodeexporter": "metrics",
        "alertmanager": "metrics",
        "grafana": "dashboards",
        "importer": "utility",
    }
    assert kinds(doc, "datastores") == {
        "catalogue-db": "mysql",
        "carts-db": "mongodb",
        "orders-db": "mongodb",
        "user-db": "mongodb",  # MONGO_HOST=user-db:27017 says so
    }
    assert owners(doc) == {
        "catalogue-db": "catalogue",
        "carts-db": "carts",
        "orders-db": "orders",
        "user-db": "user",
    }
    assert services(doc)["edge-router"]["kind"] == "gateway" and public(doc) == {"edge-router"}
    assert {services(doc)[s]["runtime"] for s in ("carts", "orders", "shipping")} == {"java"}
    assert "error" not in severities(doc)


def test_social_network_tracing_from_jaeger_and_stores_paired_with_services():
    doc, report = project("social-network/docker-compose.yml")
    assert tooling(report) == {"jaeger-agent": "tracing"}
    assert services(doc)["nginx-thrift"]["kind"] == "gateway"
    assert public(doc) == {"nginx-thrift", "media-frontend"} or public(doc) >= {"nginx-thrift"}
    assert owners(doc)["post-storage-mongodb"] == "post-storage-service"
    assert owners(doc)["user-memcached"] == "user-service"
    assert all(s.get("observability", {}).get("tracing") for s in doc["services"])
    assert "error" not in severities(doc)


def test_teastore_and_microservice_consul_registries_are_platform_tooling():
    tea, tea_report = project("teastore/docker-compose_default.yaml")
    assert tooling(tea_report) == {"registry": "discovery"}
    assert kinds(tea, "datastores") == {"db": "mysql"} and owners(tea) == {"db": "persistence"}
    consul, consul_report = project(
        "microservice-consul/docker-compose.yml", "microservice-consul/docker-compose-zipkin.yml"
    )
    assert tooling(consul_report) == {"consul": "discovery", "zipkin": "tracing"}
    assert services(consul)["apache"]["kind"] == "gateway"
    assert services(consul)["order"]["observability"] == {"tracing": True}
    for doc in (tea, consul):
        assert "error" not in severities(doc)
