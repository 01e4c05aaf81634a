"""What a container is, by evidence, each classification in the report with its evidence and
guesses listed as guesses; tooling as evidence about the services that use it."""

from __future__ import annotations

import pytest

from apps.imports.importers.classify import classify

from .helpers import calls, kinds, services, text


@pytest.mark.parametrize(
    ("name", "image", "kw", "role", "kind"),
    [
        ("sqldata", "mcr.microsoft.com/mssql/server:2019-latest", {}, "datastore", "other"),
        ("kafka", "docker.io/bitnami/kafka:3.6", {}, "broker", "kafka"),
        ("broker", "confluentinc/cp-server:7.5.0", {}, "broker", "kafka"),
        ("collector", "otel/opentelemetry-collector-contrib:0.100.0", {}, "tooling", "tracing"),
        (
            "otelcol",
            "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib",
            {},
            "tooling",
            "tracing",
        ),
        ("seq", "datalust/seq:latest", {}, "tooling", "logging"),
        ("alloy", "grafana/alloy:v1.4.2", {}, "tooling", "logging"),
        ("consul", "hashicorp/consul:1.17", {}, "tooling", "discovery"),
        ("edge", "traefik:v3.0", {}, "gateway", "traefik"),
        ("api", "kong:3.6", {}, "gateway", "kong"),
        ("lb", "haproxy:2.9", {}, "gateway", "haproxy"),
        ("proxy", "envoyproxy/envoy:v1.29", {}, "gateway", "envoy"),
        ("db", "", {"env": {"POSTGRES_PASSWORD": "x"}}, "datastore", "postgres"),
        (
            "store",
            "example/store:1",
            {"env": {"MONGO_INITDB_ROOT_USERNAME": "x"}},
            "datastore",
            "mongodb",
        ),
        ("queue", "example/q:1", {"env": {"KAFKA_ADVERTISED_LISTENERS": "x"}}, "broker", "kafka"),
        ("cache", "example/c:1", {"health": "valkey-cli ping"}, "datastore", "redis"),
        ("pg", "example/pg:1", {"health": "pg_isready -U app"}, "datastore", "postgres"),
        ("thing", "example/thing:1", {"ports": [5432]}, "datastore", "postgres"),
        ("api-gateway", "springcommunity/spring-petclinic-api-gateway", {}, "gateway", ""),
    ],
)
def test_evidence_decides_what_a_container_is(name, image, kw, role, kind):
    found = classify(name, image, **kw)
    assert (found.role, found.kind) == (role, kind)
    assert found.evidence


def test_a_client_of_postgres_is_not_a_postgres():
    env = {"POSTGRES_HOST": "db", "POSTGRES_PASSWORD": "x"}
    assert classify("orders", "example/orders", env=env, built=True).role == "service"


def test_ports_and_names_are_guesses_images_are_not():
    assert classify("thing", "example/thing", ports=[6379]).guess is True
    assert classify("cache", "redis:7").guess is False


def test_tooling_is_evidence_tracing_logging_and_registry_discovery():
    doc, report = text(
        "compose",
        """
services:
  consul: {image: hashicorp/consul}
  collector: {image: otel/opentelemetry-collector-contrib}
  seq: {image: datalust/seq}
  orders:
    image: example/orders
    depends_on: [consul, collector, payments]
    environment: [Serilog__SeqServerUrl=http://seq]
  payments:
    image: example/payments
    environment: [OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318]
""",
    )
    assert set(services(doc)) == {"orders", "payments"}
    orders = services(doc)["orders"]
    assert orders["observability"] == {"tracing": True, "logging": "central"}
    assert orders["calls"] == [{"to": "payments", "discovery": "registry"}]
    assert services(doc)["payments"]["observability"] == {"tracing": True}
    assert any("'consul' is discovery tooling" in i.message for i in report.ignored)


def test_each_classification_is_reported_with_its_evidence_and_guesses_as_guesses():
    doc, report = text(
        "compose",
        "services:\n  db:\n    image: example/db\n    ports: ['5432:5432']\n"
        "  app:\n    image: example/app\n    environment: [DB_HOST=db]\n",
    )
    assert kinds(doc, "datastores") == {"db": "postgres"}
    assert any("by well-known port 5432" in i.message for i in report.guessed)
    assert services(doc)["app"]["runtime"] == "other"
    assert doc["datastores"][0]["x-imported"]["guessed"]["kind"]
    assert calls(doc, "app") == set()
