"""The exported bundle runs: real services, real brokers and datastores, real nginx (no Docker).

Skipped, with the reason, when a machine service is unreachable or the skeleton's requirements
cannot be installed. The skeleton venv is cached under var/cache/ between runs.
"""

from __future__ import annotations

import copy
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.archmodel import load_model, model_from_data
from exporters import export_bundle

from . import runner

pytestmark = pytest.mark.integration

SHOP = Path("/work/shared/examples/shop.yaml")
SHOP_FALLBACK = runner.ROOT / "apps" / "architectures" / "demo" / "shop.yaml"


def shop_source() -> bytes:
    for path in (SHOP, SHOP_FALLBACK):
        if path.exists():
            return path.read_bytes()
    pytest.skip("no shop.yaml example found")


def require(*services: str) -> None:
    missing = [
        f"{s} (127.0.0.1:{runner.SERVICES[s]})"
        for s in services
        if not runner.port_open(runner.SERVICES[s])
    ]
    if missing:
        pytest.skip("not reachable: " + ", ".join(missing))
    if not Path(runner.NGINX).exists():
        pytest.skip("nginx is not installed")
    if "mysql" in services and shutil.which("mysql") is None:
        pytest.skip("the mysql client is needed to create the test database")


@pytest.fixture(scope="module")
def skeleton_python() -> Path:
    bundle = runner.Bundle(
        runner.extract(export_bundle(load_model(shop_source())).to_zip(), runner.tmpdir())
    )
    requirements = [*bundle.requirements(), "nats-py==2.16.0", "redis==8.1.0"]
    try:
        return runner.skeleton_venv(requirements)
    except Exception as exc:  # no registry, no compiler...
        pytest.skip(f"cannot install the skeleton requirements: {exc}")


def shop_with_broker(kind: str) -> dict:
    doc = runner.isolated(copy.deepcopy(load_model(shop_source()).document))
    for broker in doc["brokers"]:
        broker["kind"] = kind
    return doc


@pytest.fixture(scope="module")
def issuer() -> Iterator[runner.Issuer]:
    issuer = runner.Issuer()
    yield issuer
    issuer.close()


def start_bundle(
    model, python: Path, tmp_path: Path, issuer: runner.Issuer
) -> tuple[runner.Bundle, runner.Running]:
    """Export ``model`` (compose), prepare its databases, start it and wait until it is ready."""
    bundle = runner.Bundle(
        runner.extract(export_bundle(model, target="compose").to_zip(), tmp_path),
        settings=issuer.settings(),
    )
    bundle.prepare_datastores()
    run = bundle.start(python, tmp_path)
    run.on_stop.append(bundle.drop_datastores)
    try:
        for name in bundle.python_services() + bundle.verifiers():
            ready = runner.wait_until(
                lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 90
            )
            assert ready, (
                f"{name} never became ready: {runner.http('GET', run.url(name, '/readyz'))}\n{run.log(name)}"
            )
    except BaseException:
        run.stop_all()
        raise
    return bundle, run


@pytest.fixture
def running(
    request: pytest.FixtureRequest, skeleton_python: Path, tmp_path: Path, issuer: runner.Issuer
) -> Iterator[runner.Running]:
    kind = request.param
    require("postgres", "mysql", kind)
    model = model_from_data(shop_with_broker(kind))
    _, run = start_bundle(model, skeleton_python, tmp_path, issuer)
    run.issuer = issuer  # type: ignore[attr-defined]
    try:
        yield run
    finally:
        run.stop_all()


def received(run: runner.Running, service: str, marker: str) -> bool:
    status, events = runner.http("GET", run.url(service, "/_events/received"))
    return status == 200 and any(
        e["message"].get("data", {}).get("marker") == marker for e in events
    )


@pytest.mark.parametrize("running", ["rabbitmq", "nats", "redis"], indirect=True)
def test_exported_shop_runs_end_to_end(running: runner.Running) -> None:
    run = running
    # every service is ready (datastores and broker reachable); the gateway answers
    for name in ("catalog", "orders", "payments", "shipping"):
        assert runner.http("GET", run.url(name, "/readyz"))[0] == 200
        assert runner.http("GET", run.url(name, "/healthz"))[0] == 200
    assert runner.wait_until(lambda: runner.http("GET", run.gateway("/healthz"))[0] == 200, 20), (
        run.log("gateway")
    )

    # a request through the gateway reaches its service (route without strip_prefix)
    status, body = runner.http("GET", run.gateway("/api/catalog/products"))
    assert (
        status == 200 and body["service"] == "catalog" and body["operation"] == "GET /products"
    ), body
    status, body = runner.http("GET", run.gateway("/api/catalog/products/42"))
    assert body["path_params"] == {"id": "42"}
    # the orders route needs a valid token (verified by the gateway and by orders itself)
    assert runner.http("GET", run.gateway("/api/orders/orders/7"))[0] == 401
    assert (
        runner.http(
            "GET", run.gateway("/api/orders/orders/7"), headers={"Authorization": "Bearer t"}
        )[0]
        == 401
    )
    token = run.issuer.token(sub="alice")  # type: ignore[attr-defined]
    status, body = runner.http(
        "GET", run.gateway("/api/orders/orders/7"), headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200 and body["service"] == "orders", body
    assert body["identity"] == body["gateway_identity"] == "alice", body
    assert runner.http("GET", run.gateway("/api/nowhere"))[0] == 404

    # events published by one service reach the subscriber through the real broker
    marker = uuid.uuid4().hex
    status, body = runner.http(
        "POST", run.url("orders", "/_events/publish/order-placed"), {"marker": marker}
    )
    assert status == 200, body
    assert runner.wait_until(lambda: received(run, "shipping", marker), 20), run.log("shipping")
    marker2 = uuid.uuid4().hex
    # payments publishes through its outbox: 202, stored, then relayed to the broker
    assert (
        runner.http(
            "POST", run.url("payments", "/_events/publish/payment-captured"), {"marker": marker2}
        )[0]
        == 202
    )
    assert runner.wait_until(lambda: received(run, "orders", marker2), 20), run.log("orders")
    # a service cannot publish an event it does not model
    assert runner.http("POST", run.url("shipping", "/_events/publish/order-placed"), {})[0] == 404


@pytest.mark.parametrize("running", ["rabbitmq"], indirect=True)
def test_gateway_rate_limit_answers_429_beyond_the_modelled_rate(running: runner.Running) -> None:
    token = running.issuer.token()  # type: ignore[attr-defined]
    statuses = [
        runner.http(
            "GET",
            running.gateway("/api/orders/orders/1"),
            headers={"Authorization": f"Bearer {token}"},
        )[0]
        for _ in range(150)
    ]
    assert 429 in statuses and 200 in statuses


class CountingDownServer:
    """A dependency that is down: accepts TCP connections and drops them at once, counting."""

    def __init__(self, port: int):
        self.sock = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.connections = 0
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopped = True
        self.sock.close()


@pytest.mark.parametrize("running", ["rabbitmq"], indirect=True)
def test_circuit_breaker_opens_after_the_modelled_failures_and_fails_fast(
    running: runner.Running,
) -> None:
    run = running
    # orders -> payments: retries {max: 2, backoff_ms: 100, jitter}, circuit_breaker: true (5 / 30 s)
    assert runner.http("POST", run.url("orders", "/_calls/payments?path=/healthz"))[0] == 200
    run.stop("payments")
    down = CountingDownServer(run.ports["payments"])
    try:
        for i in range(5):
            status, body = runner.http("POST", run.url("orders", "/_calls/payments?path=/healthz"))
            assert status == 502, (i, body)
        assert down.connections == 5 * 3  # each failed call made 1 attempt + 2 retries
        started = time.monotonic()
        status, body = runner.http("POST", run.url("orders", "/_calls/payments?path=/healthz"))
        elapsed = time.monotonic() - started
        assert status == 503 and "open" in body["detail"], body
        assert down.connections == 15, "an open circuit must not touch the network"
        assert elapsed < 0.5
        stats = {s["to"]: s for s in runner.http("GET", run.url("orders", "/_calls"))[1]}
        assert stats["payments"]["state"] == "open" and stats["payments"]["rejected"] == 1
        # catalog has no breaker modelled: still reachable
        assert runner.http("POST", run.url("orders", "/_calls/catalog?path=/products"))[0] == 200
    finally:
        down.close()


def get_with_headers(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@pytest.mark.parametrize("running", ["rabbitmq"], indirect=True)
def test_gateway_keeps_the_clients_request_id_and_logs_json(running: runner.Running) -> None:
    import json

    run = running
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    traceparent = f"00-{trace_id}-b7ad6b7169203331-01"
    status, headers = get_with_headers(
        run.gateway("/api/catalog/products/7"),
        {"X-Request-ID": "client-req-1", "traceparent": traceparent},
    )
    assert status == 200 and headers["X-Request-ID"] == "client-req-1", headers
    # none sent, or an unusable one: the gateway makes one, and the service sees that one
    made = get_with_headers(run.gateway("/api/catalog/products"), {})[1]["X-Request-ID"]
    assert len(made) == 32, made
    replaced = get_with_headers(run.gateway("/api/catalog/products"), {"X-Request-ID": "x" * 200})
    assert replaced[1]["X-Request-ID"] != "x" * 200
    # errors nginx makes itself carry it too
    status, headers = get_with_headers(run.gateway("/api/nowhere"), {"X-Request-ID": "r-404"})
    assert status == 404 and headers["X-Request-ID"] == "r-404", headers

    def service_lines() -> list[dict]:
        return [json.loads(line) for line in run.logs["catalog"].read_text().splitlines() if line]

    assert runner.wait_until(
        lambda: any(
            line["request_id"] == "client-req-1" and line["trace_id"] == trace_id
            for line in service_lines()
        ),
        10,
    ), run.log("catalog")
    assert any(line["request_id"] == made for line in service_lines())
    gateway_log = run.logs["gateway"].parent / "stdout.log"

    def gateway_lines() -> list[dict]:
        return [json.loads(line) for line in gateway_log.read_text().splitlines() if line]

    assert runner.wait_until(
        lambda: any(line["request_id"] == "client-req-1" for line in gateway_lines()), 10
    ), gateway_log.read_text()[-2000:]
    line = next(line for line in gateway_lines() if line["request_id"] == "client-req-1")
    assert line["trace_id"] == trace_id and line["status"] == 200 and line["service"] == "gateway"
    assert line["path"] == "/api/catalog/products/7"


@pytest.mark.parametrize("running", ["nats", "redis"], indirect=True)
def test_a_poison_message_is_dead_lettered_on_brokers_without_redelivery(
    running: runner.Running,
) -> None:
    """NATS core and Redis streams do not redeliver: the consumer retries in-process, then
    publishes the message unchanged to ``<channel>.dead-letter``."""
    import json

    from prometheus_client.parser import text_string_to_metric_families

    run = running
    spec = json.loads((run.root / "services/shipping/app/spec.json").read_text())
    (sub,) = [s for s in spec["subscribes"] if s["event"] == "order-placed"]
    assert (
        runner.http("POST", run.url("shipping", "/_events/fail/order-placed?times=1000"))[0] == 200
    )
    backlog = 0
    if "redis" in spec["brokers"][0]["kind"]:
        import redis

        client = redis.Redis(port=runner.SERVICES["redis"], db=14)
        backlog = client.xlen(sub["dead_letter"]) if client.exists(sub["dead_letter"]) else 0
    marker = uuid.uuid4().hex
    assert (
        runner.http("POST", run.url("orders", "/_events/publish/order-placed"), {"marker": marker})[
            0
        ]
        == 200
    )

    def dead_lettered() -> float:
        text = runner.http("GET", run.url("shipping", "/metrics"))[1]
        return sum(
            s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "events_consumed_total" and s.labels.get("outcome") == "dead_lettered"
        )

    assert runner.wait_until(lambda: dead_lettered() == 1, 30), run.log("shipping")
    errors = [json.loads(line) for line in run.logs["shipping"].read_text().splitlines() if line]
    assert any(e["level"] == "error" and "dead-lettered" in e["message"] for e in errors)
    assert not received(run, "shipping", marker)
    if "redis" in spec["brokers"][0]["kind"]:
        entries = client.xrange(sub["dead_letter"])[backlog:]
        assert len(entries) == 1
        assert json.loads(entries[0][1][b"data"])["data"] == {"marker": marker}
