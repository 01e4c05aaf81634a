"""The service skeletons: the resilience helper in isolation, and the stdlib servers running."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.archmodel import Model
from exporters import export_bundle
from tests.exporters import runner

SKELETON = Path(__file__).parents[2] / "exporters" / "skeleton" / "files" / "python" / "app"


def load_resilience():  # type: ignore[no-untyped-def]
    """The skeleton's ``app.resilience`` (it imports ``app.context``), as package skeleton_app."""
    pytest.importorskip("httpx")
    if "skeleton_app.resilience" in sys.modules:
        return sys.modules["skeleton_app.resilience"]
    package = importlib.util.spec_from_file_location(
        "skeleton_app", SKELETON / "__init__.py", submodule_search_locations=[str(SKELETON)]
    )
    sys.modules["skeleton_app"] = importlib.util.module_from_spec(package)
    package.loader.exec_module(sys.modules["skeleton_app"])
    return importlib.import_module("skeleton_app.resilience")


def test_breaker_opens_after_threshold_then_half_opens_after_the_reset_timeout() -> None:
    r = load_resilience()
    now = [0.0]
    breaker = r.CircuitBreaker(failure_threshold=3, reset_timeout_ms=1000, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 0.999
    assert not breaker.allow()
    now[0] = 1.0
    assert breaker.allow() and breaker.state == "half-open"
    assert not breaker.allow()  # one trial at a time
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 2.5
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.failures == 0


def test_backoff_is_exponential_and_jitter_stays_within_it() -> None:
    r = load_resilience()
    spec = {
        "to": "x",
        "env": "X_URL",
        "timeout_ms": 100,
        "retries": {"max": 3, "backoff_ms": 100, "jitter": False},
        "circuit_breaker": None,
    }
    dep = r.Dependency(spec)
    assert [dep.delay(n) for n in (1, 2, 3)] == [0.1, 0.2, 0.4]
    dep.jitter = True
    assert all(0 <= dep.delay(3) <= 0.4 for _ in range(100))


def test_skeleton_spec_carries_the_modelled_call_settings(shop: Model) -> None:
    spec = json.loads(export_bundle(shop).files["services/orders/app/spec.json"])
    payments = next(c for c in spec["calls"] if c["to"] == "payments")
    assert payments["timeout_ms"] == 1500
    assert payments["retries"] == {"max": 2, "backoff_ms": 100, "jitter": True}
    assert payments["circuit_breaker"] == {"failure_threshold": 5, "reset_timeout_ms": 30000}
    assert next(c for c in spec["calls"] if c["to"] == "catalog")["circuit_breaker"] is None
    assert spec["route_prefixes"] == ["/api/orders"]


def test_python_requirements_are_pinned_and_only_what_is_modelled(shop: Model) -> None:
    files = export_bundle(shop).files
    catalog = [
        line
        for line in files["services/catalog/requirements.txt"].decode().splitlines()
        if not line.startswith("#")
    ]
    shipping = files["services/shipping/requirements.txt"].decode()
    assert catalog and all("==" in line for line in catalog)
    assert any(line.startswith("asyncpg==") for line in catalog)
    assert not any(line.startswith("aio-pika") for line in catalog)
    assert "aiomysql" in shipping and "aio-pika" in shipping


def run_stdlib_server(cmd: list[str], cwd: Path, tmp_path: Path) -> None:
    port = runner.free_port()
    log = (tmp_path / "out.log").open("wb")
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PORT": str(port), "SERVICE_NAME": "svc"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert runner.wait_until(
            lambda: runner.http("GET", f"http://127.0.0.1:{port}/healthz")[0] == 200, 60
        ), (tmp_path / "out.log").read_text()
        status, body = runner.http("GET", f"http://127.0.0.1:{port}/hello")
        assert status == 200 and body["operation"] == "GET /hello" and body["stub"] is True
        assert (
            runner.http("GET", f"http://127.0.0.1:{port}/api/node/hello")[0] == 200
        )  # via the gateway prefix
        assert runner.http("GET", f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        proc.terminate()
        proc.wait(10)


def test_stdlib_python_skeleton_serves_health_and_modelled_routes(
    everything: Model, tmp_path: Path
) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    service = root / "services" / "othersvc"
    (service / "routes.txt").write_bytes(
        export_bundle(everything).files["services/nodejs/routes.txt"]
    )  # reuse a routes file with routes
    run_stdlib_server([sys.executable, "server.py"], service, tmp_path)


def dependency(r, **spec):  # type: ignore[no-untyped-def]
    base = {
        "to": "x",
        "env": "X_URL",
        "timeout_ms": 1000,
        "retries": {"max": 2, "backoff_ms": 1, "jitter": False},
        "circuit_breaker": None,
    }
    return r.Dependency({**base, **spec})


def run_calls(r, dep, handler, *calls):  # type: ignore[no-untyped-def]
    """Each call is (method, kwargs); the network is ``handler`` (an httpx MockTransport)."""
    import asyncio

    import httpx

    async def main():  # type: ignore[no-untyped-def]
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            out = []
            for method, kwargs in calls:
                try:
                    out.append(await dep.request(client, method, "/p", **kwargs))
                except (r.CallFailed, r.CircuitOpen) as exc:
                    out.append(exc)
            return out

    return asyncio.run(main())


def test_retries_follow_the_operations_idempotent_flag_not_only_the_method(monkeypatch) -> None:
    import httpx

    r = load_resilience()
    monkeypatch.setenv("X_URL", "http://x")
    unavailable = lambda request: httpx.Response(503)  # noqa: E731
    post_idempotent = dependency(r, idempotent=True)
    run_calls(r, post_idempotent, unavailable, ("POST", {}))
    assert post_idempotent.attempts == 3  # 1 + 2 retries: the operation is idempotent
    get_not_idempotent = dependency(r, idempotent=False)
    run_calls(r, get_not_idempotent, unavailable, ("GET", {}))
    assert get_not_idempotent.attempts == 1  # e.g. GET /next-ticket marked idempotent: false
    by_method = dependency(r)
    run_calls(r, by_method, unavailable, ("POST", {}), ("GET", {}))
    assert by_method.attempts == 1 + 3


def test_one_deadline_covers_every_attempt(monkeypatch) -> None:
    import asyncio

    import httpx

    r = load_resilience()
    monkeypatch.setenv("X_URL", "http://x")

    async def slow(request):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.2)
        return httpx.Response(503)

    dep = dependency(r, timeout_ms=500, retries={"max": 10, "backoff_ms": 1, "jitter": False})
    started = time.monotonic()
    (result,) = run_calls(r, dep, slow, ("GET", {}))
    elapsed = time.monotonic() - started
    assert isinstance(result, r.CallFailed) and elapsed < 0.9, (result, elapsed)
    assert dep.attempts <= 3  # not 11 attempts of 0.2 s


def test_an_absent_timeout_gets_the_safety_ceiling() -> None:
    r = load_resilience()
    assert dependency(r, timeout_ms=None).timeout == r.SAFETY_TIMEOUT_S == 30.0


def test_the_modelled_fallback_answers_when_the_call_fails_or_the_circuit_is_open(
    monkeypatch,
) -> None:
    import httpx

    r = load_resilience()
    monkeypatch.setenv("X_URL", "http://x")
    dep = dependency(
        r,
        fallback="cached-stock",
        retries={"max": 0},
        circuit_breaker={"failure_threshold": 1, "reset_timeout_ms": 60000},
    )
    first, second = run_calls(r, dep, lambda request: httpx.Response(503), ("GET", {}), ("GET", {}))
    assert first.headers["x-workbench-fallback"] == "cached-stock"
    assert second.json()["fallback"] == "cached-stock" and "open" in second.json()["reason"]
    assert dep.attempts == 1 and dep.rejected == 1 and dep.fallbacks == 2
    without = dependency(r, retries={"max": 0})
    (result,) = run_calls(r, without, lambda request: httpx.Response(503), ("GET", {}))
    assert isinstance(result, r.CallFailed)


def test_only_calls_modelled_with_auth_jwt_forward_the_callers_token(monkeypatch) -> None:
    import httpx

    r = load_resilience()
    context = importlib.import_module("skeleton_app.context")
    monkeypatch.setenv("X_URL", "http://x")
    seen: list[str | None] = []

    def record(request):  # type: ignore[no-untyped-def]
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200)

    context.CALLER_AUTHORIZATION.set("Bearer caller")
    run_calls(r, dependency(r, auth="jwt"), record, ("GET", {}))
    run_calls(r, dependency(r, auth="none"), record, ("GET", {}))
    assert seen == ["Bearer caller", None]


def test_skeleton_spec_carries_idempotency_fallback_and_auth_of_calls() -> None:
    from apps.archmodel import model_from_data

    model = model_from_data(
        {
            "apiVersion": "workbench/v1",
            "name": "m",
            "services": [
                {
                    "id": "a",
                    "calls": [
                        {
                            "to": "b",
                            "operation": "POST /tickets",
                            "fallback": "queue-it",
                            "auth": "jwt",
                        }
                    ],
                },
                {
                    "id": "b",
                    "apis": [
                        {
                            "id": "b-api",
                            "operations": [
                                {"method": "POST", "path": "/tickets", "idempotent": True}
                            ],
                        }
                    ],
                },
            ],
        }
    )
    (call,) = json.loads(export_bundle(model).files["services/a/app/spec.json"])["calls"]
    assert (call["idempotent"], call["fallback"], call["auth"]) == (True, "queue-it", "jwt")


def load_secret_files():  # type: ignore[no-untyped-def]
    """The skeleton's ``load_secret_files`` (``app/__init__.py``), loaded on its own."""
    spec = importlib.util.spec_from_file_location("skeleton_app_init", SKELETON / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_secret_files


def test_the_skeleton_reads_file_variables_and_builds_urls_from_them(
    secret_file_env: dict[str, str],
) -> None:
    env = dict(secret_file_env)
    load_secret_files()(env)
    assert env["DATASTORE_ORDERS_DB_URL"] == (
        "postgresql://orders_db:s3cr%2Ft%3A%40x@orders-db:5432/orders_db"
    )
    assert env["BROKER_CACHE_URL"] == "redis://:s3cr%2Ft%3A%40x@cache:6379/0"
    assert env["BROKER_BUS_URL"] == "amqp://guest:guest@127.0.0.1:5672/"
    assert env["API_KEYS"] == "k1,k2"  # a value from a file wins over a plain variable
    assert "SSL_CERT" not in env
    assert env["SERVICE_PAYMENTS_URL"] == "http://payments:8080"


def test_an_unreadable_secret_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="DB_PASSWORD_FILE"):
        load_secret_files()({"DB_PASSWORD_FILE": str(tmp_path / "missing")})


def test_without_a_sql_store_an_idempotent_consumer_remembers_event_ids_in_memory() -> None:
    import asyncio

    load_resilience()  # the skeleton_app package
    outbox = importlib.import_module("skeleton_app.outbox")
    processed = outbox.Processed(None)

    async def scenario() -> list[bool]:
        seen = []
        async with processed.claim("g", "e1") as new:
            seen.append(new)
        async with processed.claim("g", "e1") as new:  # a duplicate
            seen.append(new)
        with pytest.raises(RuntimeError):
            async with processed.claim("g", "e2") as new:
                seen.append(new)
                raise RuntimeError("handler failed")
        async with processed.claim("g", "e2") as new:  # the failed one runs again
            seen.append(new)
        async with processed.claim("other-group", "e1") as new:  # per consumer group
            seen.append(new)
        return seen

    assert asyncio.run(scenario()) == [True, False, True, True, True]


def test_request_ids_are_kept_when_usable_and_made_otherwise() -> None:
    load_resilience()
    obs = importlib.import_module("skeleton_app.observability")
    assert obs.request_id_from("abc-123") == "abc-123"
    for bad in (None, "", "x" * 129, "tab\there", "é"):
        made = obs.request_id_from(bad)
        assert made != bad and len(made) == 36
