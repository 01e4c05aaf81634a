"""The exported gateway as a platform team needs it, run for real (processes, a real nginx, the
machine's PostgreSQL, MariaDB and RabbitMQ; no Docker): tokens verified, API keys checked,
names re-resolved, modelled timeouts, per-client rate limits, internal endpoints hidden."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.archmodel import load_model, model_from_data

from . import runner
from .test_runnable import issuer, require, shop_source, skeleton_python, start_bundle

pytestmark = pytest.mark.integration
__all__ = ["issuer", "skeleton_python"]  # fixtures used here


def edge_model():  # type: ignore[no-untyped-def]
    """The shop plus: a JWT-protected payments API called with the caller's token, a modelled
    1.2 s timeout on orders -> catalog, and an API-key route with strip_prefix and a low rate."""
    doc = copy.deepcopy(load_model(shop_source()).document)
    services = {s["id"]: s for s in doc["services"]}
    services["payments"]["apis"][0]["auth"] = "jwt"
    for call in services["orders"]["calls"]:
        if call["to"] == "payments":
            call["auth"] = "jwt"
        if call["to"] == "catalog":
            call["timeout_ms"] = 1200
    services["gateway"]["routes"].append(
        {
            "path": "/api/cat",
            "to": "catalog",
            "strip_prefix": True,
            "auth": "api-key",
            "rate_limit": 5,
        }
    )
    return model_from_data(doc)


@pytest.fixture(scope="module")
def edge(
    skeleton_python: Path, tmp_path_factory: pytest.TempPathFactory, issuer: runner.Issuer
) -> Iterator[tuple[runner.Bundle, runner.Running]]:
    require("postgres", "mysql", "rabbitmq")
    bundle, run = start_bundle(
        edge_model(), skeleton_python, tmp_path_factory.mktemp("edge"), issuer
    )
    try:
        assert runner.wait_until(lambda: runner.http("GET", run.gateway("/healthz"))[0] == 200, 20)
        yield bundle, run
    finally:
        run.stop_all()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_only_a_valid_token_passes_the_gateway_and_the_service_sees_who_it_is(
    edge: tuple[runner.Bundle, runner.Running], issuer: runner.Issuer
) -> None:
    _, run = edge
    url = run.gateway("/api/orders/orders/7")
    for headers in (
        {},
        {"Authorization": "x"},
        bearer("not-a-jwt"),
        bearer(issuer.token(forged=True)),  # same kid, another key
        bearer(issuer.token(expires_in=-3600)),
        bearer(issuer.token(audience="another-api")),
    ):
        status, body = runner.http("GET", url, headers=headers)
        assert status == 401 and body == {"detail": "unauthorized", "status": 401}, (headers, body)
    status, body = runner.http("GET", url, headers=bearer(issuer.token(sub="alice")))
    assert status == 200 and body["service"] == "orders", body
    assert body["identity"] == "alice" and body["gateway_identity"] == "alice"
    # the service verifies too: a forged token sent straight to it (past the gateway) is refused
    status, body = runner.http(
        "GET", run.url("orders", "/orders/7"), headers=bearer(issuer.token(forged=True))
    )
    assert status == 401, body
    # a client cannot claim an identity on a route without auth: the header is blanked
    status, body = runner.http(
        "GET", run.gateway("/api/catalog/products"), headers={"X-Auth-Subject": "mallory"}
    )
    assert status == 200 and body["gateway_identity"] is None, body


def test_api_key_routes_check_the_key_against_the_secret(
    edge: tuple[runner.Bundle, runner.Running],
) -> None:
    bundle, run = edge
    key = bundle.secrets["API_KEYS"]
    url = run.gateway("/api/cat/products")
    assert runner.http("GET", url)[0] == 401
    assert runner.http("GET", url, headers={"X-API-Key": "guess"})[0] == 401
    time.sleep(1.1)  # this route allows 5 requests per second
    status, body = runner.http("GET", url, headers={"X-API-Key": key})
    assert status == 200 and body["operation"] == "GET /products", body
    assert body["gateway_identity"].startswith("api-key:") and key not in body["gateway_identity"]


def test_calls_modelled_with_auth_jwt_forward_the_callers_token(
    edge: tuple[runner.Bundle, runner.Running], issuer: runner.Issuer
) -> None:
    _, run = edge
    charge = run.url("orders", "/_calls/payments?method=POST&path=/rpc/payments-api/Charge")
    status, body = runner.http("POST", charge, headers=bearer(issuer.token(sub="bob")))
    assert status == 200 and body["status"] == 200, body
    assert body["body"]["identity"] == "bob"  # payments verified the forwarded token
    status, body = runner.http("POST", charge)  # no caller token: payments refuses
    assert status == 200 and body["status"] == 401, body


def test_internal_endpoints_are_not_found_through_the_gateway(
    edge: tuple[runner.Bundle, runner.Running],
) -> None:
    bundle, run = edge
    key = {"X-API-Key": bundle.secrets["API_KEYS"]}
    time.sleep(1.1)
    for path in (
        "/api/cat/docs",  # strip_prefix: would be catalog's own /docs
        "/api/cat/openapi.json",
        "/api/cat/healthz",
        "/api/cat/readyz",
        "/api/cat/_events/received",
        "/api/catalog/docs",
        "/api/orders/_calls",
    ):
        status, body = runner.http("GET", run.gateway(path), headers=key)
        assert status == 404 and body["detail"] == "not found", (path, body)
    assert runner.http("GET", run.url("catalog", "/openapi.json"))[0] == 200  # still inside
    # the gateway's upstream checks answer its own health check only, not a client
    status, _ = runner.http_from("127.0.0.2", "GET", run.gateway("/_gateway/upstreams/catalog"))
    assert status == 404
    assert runner.http("GET", run.gateway("/_gateway/upstreams/catalog"))[0] == 200


def test_clients_behind_a_trusted_proxy_get_their_own_rate_limit_before_authentication(
    edge: tuple[runner.Bundle, runner.Running],
) -> None:
    bundle, run = edge
    url = run.gateway("/api/cat/products")
    key = bundle.secrets["API_KEYS"]
    time.sleep(1.1)

    def burst(client: str, with_key: bool) -> list[int]:
        headers = {"X-Forwarded-For": client, **({"X-API-Key": key} if with_key else {})}
        return [runner.http("GET", url, headers=headers)[0] for _ in range(25)]

    first = burst("203.0.113.7", with_key=True)
    assert 429 in first and first.count(200) <= 11, first  # rate 5/s, burst 5
    # another client behind the same proxy, right after, has its own bucket
    second = burst("203.0.113.9", with_key=True)
    assert second[:5] == [200] * 5, second
    # unauthenticated floods are limited too (the limit comes before the 401)
    anonymous = burst("203.0.113.10", with_key=False)
    assert set(anonymous) == {401, 429}, anonymous
    status, body = runner.http("GET", url, headers={"X-Forwarded-For": "203.0.113.10"})
    assert status == 429 and body == {"detail": "too many requests", "status": 429}


def test_a_frozen_upstream_gives_504_within_the_modelled_timeout(
    edge: tuple[runner.Bundle, runner.Running],
) -> None:
    _, run = edge
    run.stop("catalog")
    frozen = runner.FrozenServer(run.ports["catalog"])
    try:
        started = time.monotonic()
        status, body = runner.http("GET", run.gateway("/api/catalog/products"), timeout=30)
        elapsed = time.monotonic() - started
        assert status == 504 and body["detail"] == "upstream timed out", body
        assert 1.1 <= elapsed < 2.5, elapsed  # orders -> catalog: timeout_ms 1200
    finally:
        frozen.close()
        run.restart_at("catalog", "127.0.0.1")
    assert runner.wait_until(
        lambda: runner.http("GET", run.gateway("/api/catalog/products"))[0] == 200, 30
    ), run.log("catalog")


def test_a_recreated_service_on_a_new_address_is_reached_without_restarting_the_gateway(
    edge: tuple[runner.Bundle, runner.Running],
) -> None:
    _, run = edge
    gateway = run.procs["gateway"]
    assert runner.http("GET", run.gateway("/api/catalog/products"))[0] == 200
    run.stop("catalog")
    # while it is gone the gateway's health check says so
    assert runner.http("GET", run.gateway("/_gateway/upstreams/catalog"))[0] in (502, 504)
    run.restart_at("catalog", "127.0.0.2")  # the container comes back on a new address
    assert runner.wait_until(
        lambda: runner.http("GET", run.gateway("/api/catalog/products"))[0] == 200, 20
    ), run.log("gateway")
    assert runner.http("GET", run.gateway("/_gateway/upstreams/catalog"))[0] == 200
    assert run.procs["gateway"] is gateway and gateway.poll() is None  # never restarted
