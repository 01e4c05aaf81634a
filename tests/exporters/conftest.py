"""Models the exporter tests share: the shop example and a model that uses every kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.archmodel import Model, load_model
from tests.support import shop_path

EVERYTHING = """
apiVersion: workbench/v1
name: everything
title: Every kind the exporter knows
services:
  - id: edge
    kind: gateway
    port: 8000
    routes:
      - {path: /api/py, to: py, strip_prefix: true, rate_limit: 10}
      - {path: /api/node, to: nodejs, auth: api-key}
      - {path: /api/go/, to: golang}
  - id: py
    replicas: {min: 2, max: 5, cpu_target: 60}
    deploy: {resources: {cpu: 250m, memory: 256Mi}, strategy: canary}
    health: {liveness: /live, readiness: /ready}
    apis:
      - id: py-api
        operations: [{method: GET, path: "/items/{id}"}, {method: POST, path: /items}]
      - id: py-rpc
        style: grpc
        operations: [{name: Lookup}]
    calls:
      - {to: nodejs, timeout_ms: 500, retries: 3, circuit_breaker: {failure_threshold: 2, reset_timeout_ms: 1000}}
      - {to: vendor, timeout_ms: 2000}
    data: [pg, my, maria, mongo, cache, cass, search, legacy]
    publishes: [k-event, n-event, r-event]
  - id: nodejs
    runtime: node
    apis: [{id: node-api, operations: [{method: GET, path: /hello}]}]
    calls: [py]
  - id: golang
    runtime: go
    apis: [{id: go-api, operations: [{method: GET, path: /go}]}]
  - id: javasvc
    runtime: java
    kind: worker
    subscribes: [k-event]
  - id: dotnetsvc
    runtime: dotnet
    subscribes: [{event: n-event, group: dn}]
  - id: othersvc
    runtime: other
    subscribes: [r-event, o-event]
  - id: vendor
    kind: external
  - id: spa
    kind: frontend
    calls: [edge]
datastores:
  - {id: pg, kind: postgres, owner: py, replicas: 3}
  - {id: my, kind: mysql}
  - {id: maria, kind: mariadb}
  - {id: mongo, kind: mongodb}
  - {id: cache, kind: redis}
  - {id: cass, kind: cassandra}
  - {id: search, kind: elasticsearch}
  - {id: legacy, kind: other}
  - {id: unused-db, kind: postgres}
brokers:
  - {id: kbus, kind: kafka}
  - {id: nbus, kind: nats}
  - {id: rbus, kind: redis}
  - {id: obus, kind: other}
events:
  - {id: k-event, broker: kbus}
  - {id: n-event, broker: nbus, channel: n.events}
  - {id: r-event, broker: rbus}
  - {id: o-event, broker: obus}
"""


@pytest.fixture(scope="session")
def shop() -> Model:
    return load_model(shop_path().read_bytes())


@pytest.fixture(scope="session")
def everything() -> Model:
    return load_model(EVERYTHING)


@pytest.fixture(params=["shop", "everything"])
def any_model(request: pytest.FixtureRequest) -> Model:
    return request.getfixturevalue(request.param)


@pytest.fixture
def secret_file_env(tmp_path: Path) -> dict[str, str]:
    """An environment as a bundle gives a service: secrets as ``*_FILE`` variables (one URL with
    a password already, one non-secret ``SSL_CERT_FILE``), for every runtime's loader."""
    (tmp_path / "pw").write_text("s3cr/t:@x\n")
    (tmp_path / "keys").write_text("k1,k2")
    return {
        "DATASTORE_ORDERS_DB_URL": "postgresql://orders_db@orders-db:5432/orders_db",
        "DATASTORE_ORDERS_DB_PASSWORD_FILE": str(tmp_path / "pw"),
        "BROKER_CACHE_URL": "redis://cache:6379/0",
        "BROKER_CACHE_PASSWORD_FILE": str(tmp_path / "pw"),
        "BROKER_BUS_URL": "amqp://guest:guest@127.0.0.1:5672/",  # has one: left alone
        "BROKER_BUS_PASSWORD_FILE": str(tmp_path / "pw"),
        "API_KEYS": "from-the-environment",
        "API_KEYS_FILE": str(tmp_path / "keys"),
        "SSL_CERT_FILE": str(tmp_path / "missing.pem"),  # not a secret: never read
        "SERVICE_PAYMENTS_URL": "http://payments:8080",
    }
