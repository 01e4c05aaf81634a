"""The Go skeleton beyond the shared contract suite (test_skeleton_contract.py runs that one):
built and vetted from Debian's Go libraries, started as a process.

Standalone runs need nothing but the toolchain: readiness names what is missing (an unset
address, a Kafka broker the skeleton has no client for, unset API keys), the API-key check,
route prefixes, request ids, secret files, ``-healthcheck`` and OTLP export. The integration
tests carry events over NATS and Redis streams between two Go services.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .doubles import HttpStub
from .runtimes.go import build

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
OBSERVED = {"logging": "central", "metrics": True, "tracing": True}


def solo_model() -> dict[str, Any]:
    return {
        "apiVersion": "workbench/v1",
        "name": "solo",
        "services": [
            {
                "id": "edge",
                "kind": "gateway",
                "port": 8000,
                "routes": [{"path": "/api/solo", "to": "solo"}],
            },
            {
                "id": "solo",
                "runtime": "go",
                "observability": OBSERVED,
                "apis": [
                    {
                        "id": "solo-api",
                        "auth": "api-key",
                        "operations": [{"method": "GET", "path": "/orders/{id}"}],
                    },
                    {
                        "id": "solo-admin",
                        "auth": "jwt",
                        "operations": [{"method": "GET", "path": "/admin"}],
                    },
                ],
                "calls": [
                    {
                        "to": "vendor",
                        "timeout_ms": 300,
                        "circuit_breaker": {"failure_threshold": 2, "reset_timeout_ms": 500},
                    }
                ],
                "publishes": ["k-event"],
            },
            {"id": "vendor", "kind": "external"},
        ],
        "brokers": [{"id": "kbus", "kind": "kafka"}],
        "events": [{"id": "k-event", "broker": "kbus"}],
    }


class Solo:
    """The solo service's binary, started in its exported directory with a chosen environment."""

    def __init__(self, root: Path, tmp: Path):
        self.dir = root / "services" / "solo"
        self.binary = build(self.dir)
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **env: str) -> tuple[str, Path]:
        port = runner.free_port()
        log = self.tmp / f"solo-{port}.log"
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        proc = subprocess.Popen(
            [str(self.binary)],
            cwd=self.dir,
            env={**base, "PORT": str(port), "HOST": "127.0.0.1", **env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        if not runner.wait_until(lambda: runner.http("GET", url + "/healthz")[0] == 200, 20):
            pytest.fail(f"solo did not start: {log.read_text()}")
        return url, log

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def solo(tmp_path: Path) -> Iterator[Solo]:
    root = runner.extract(
        export_bundle(model_from_data(solo_model()), target="compose").to_zip(), tmp_path
    )
    service = Solo(root, tmp_path)
    yield service
    service.stop()


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_bundle_ships_the_go_sources_the_spec_and_a_pinned_module(solo: Solo) -> None:
    names = {p.name for p in solo.dir.iterdir()}
    assert {"go.mod", "main.go", "spec.json", "Dockerfile"} <= names
    assert "routes.txt" not in names, "the Go skeleton routes from spec.json"
    gomod = (solo.dir / "go.mod").read_text()
    assert "github.com/prometheus/client_golang v1.14.0" in gomod
    dockerfile = (solo.dir / "Dockerfile").read_text()
    assert 'CMD ["/srv/service", "-healthcheck"]' in dockerfile
    assert "USER 10001:10001" in dockerfile
    readme = (solo.dir.parents[1] / "README.md").read_text()
    assert "commit the `go.sum` of your first build" in readme


def test_readiness_names_every_missing_piece_and_liveness_stays_up(solo: Solo) -> None:
    url, _ = solo.start(BROKER_KBUS_URL="kafka://127.0.0.1:9")
    status, body = runner.http("GET", url + "/readyz")
    assert status == 503 and body["status"] == "unavailable"
    problems = " | ".join(body["problems"])
    assert "broker kbus: kind kafka is not supported" in problems
    assert "SERVICE_VENDOR_URL is not set" in problems
    assert "API_KEYS is not set" in problems
    assert runner.http("GET", url + "/healthz") == (200, {"status": "ok", "service": "solo"})


def test_api_keys_from_a_secret_file_guard_the_operation_also_under_its_route_prefix(
    solo: Solo, tmp_path: Path
) -> None:
    keys = tmp_path / "api-keys"
    keys.write_text("k-one,k-two\n")
    url, _ = solo.start(API_KEYS_FILE=str(keys))
    assert runner.http("GET", url + "/orders/7")[0] == 401
    assert runner.http("GET", url + "/orders/7", headers={"X-API-Key": "guess"})[0] == 401
    for path in ("/orders/7", "/api/solo/orders/7"):
        status, body = runner.http("GET", url + path, headers={"X-API-Key": "k-two"})
        assert status == 200, body
        assert body["operation"] == "GET /orders/{id}" and body["stub"] is True
        assert body["caller"].startswith("api-key:")
    assert runner.http("POST", url + "/orders/7", headers={"X-API-Key": "k-two"})[0] == 405
    assert runner.http("GET", url + "/nowhere")[0] == 404


def test_bearer_tokens_are_verified_against_the_issuers_jwks(solo: Solo) -> None:
    issuer = runner.Issuer(audience="solo-api")
    try:
        url, _ = solo.start(**issuer.settings())
        admin = url + "/admin"

        def status(token: str | None) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return runner.http("GET", admin, headers=headers)[0]

        assert status(None) == 401
        assert status(issuer.token(forged=True)) == 401
        assert status(issuer.token(expires_in=-120)) == 401  # past the 30 s leeway
        assert status(issuer.token(audience="another-api")) == 401
        code, body = runner.http(
            "GET", admin, headers={"Authorization": f"Bearer {issuer.token(sub='bob')}"}
        )
        assert code == 200 and body["caller"] == "bob", body
        _, ready = runner.http("GET", url + "/readyz")
        assert not any("JWT" in p for p in ready["problems"]), ready
    finally:
        issuer.close()
    url, _ = solo.start()
    _, ready = runner.http("GET", url + "/readyz")
    assert "JWT_JWKS_URL is not set" in ready["problems"], ready


def test_an_unreadable_secret_file_stops_the_start_with_a_sentence(solo: Solo) -> None:
    result = subprocess.run(
        [str(solo.binary)],
        cwd=solo.dir,
        env={"API_KEYS_FILE": "/nonexistent/keys", "PORT": str(runner.free_port())},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 1
    assert "API_KEYS_FILE: cannot read /nonexistent/keys" in result.stderr
    assert "goroutine" not in result.stderr  # a sentence, not a panic


def test_the_password_file_goes_into_the_url_and_reaches_the_dependency(
    solo: Solo, tmp_path: Path
) -> None:
    vendor = HttpStub(b'{"ok": true}')
    secret = tmp_path / "vendor-password"
    secret.write_text("p@ss/wo:rd\n")
    try:
        url, log = solo.start(
            SERVICE_VENDOR_URL=f"http://shop@127.0.0.1:{vendor.port}",
            SERVICE_VENDOR_PASSWORD_FILE=str(secret),
            WORKBENCH_DEBUG_ENDPOINTS="1",
        )
        status, body = runner.http("POST", url + "/_calls/vendor?path=/x")
    finally:
        vendor.close()
    assert status == 200 and body["status"] == 200 and body["body"] == {"ok": True}, body
    seen = [r.headers.get("authorization") for r in vendor.received]
    assert seen == ["Basic " + base64.b64encode(b"shop:p@ss/wo:rd").decode()]
    assert "p@ss" not in log.read_text(), "a secret reached the log"


def test_an_open_circuit_fails_fast_then_lets_a_trial_through_and_closes(solo: Solo) -> None:
    port = runner.free_port()
    url, _ = solo.start(
        SERVICE_VENDOR_URL=f"http://127.0.0.1:{port}", WORKBENCH_DEBUG_ENDPOINTS="1"
    )
    call = url + "/_calls/vendor?path=/ping"
    assert [runner.http("POST", call)[0] for _ in range(2)] == [502, 502]
    status, body = runner.http("POST", call)
    assert status == 503 and body["state"] == "open", body
    assert body["attempts"] == 2 and body["rejected"] == 1, "an open circuit makes no attempt"

    vendor = HttpStub(port=port)  # the vendor comes up where the service calls
    try:
        assert runner.wait_until(lambda: runner.http("POST", call)[0] == 200, 5)
    finally:
        vendor.close()
    status, stats = runner.http("GET", url + "/_calls")
    assert stats["vendor"]["state"] == "closed" and stats["vendor"]["failures"] == 0, stats


def test_request_ids_are_kept_when_usable_and_replaced_when_not(solo: Solo) -> None:
    url, log = solo.start()
    req = {"X-Request-ID": "abc-123", "traceparent": TRACEPARENT}
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url + "/healthz", headers=req)) as resp:
        assert resp.headers["X-Request-ID"] == "abc-123"
    with urllib.request.urlopen(
        urllib.request.Request(url + "/healthz", headers={"X-Request-ID": "x" * 129})
    ) as resp:
        replaced = resp.headers["X-Request-ID"]
    assert replaced != "x" * 129 and len(replaced) == 36
    runner.http("GET", url + "/orders/1", headers=req)  # 401, logged at info
    lines = [line for line in log_lines(log) if line.get("request_id") == "abc-123"]
    assert lines and lines[-1]["trace_id"] == TRACE_ID and lines[-1]["status"] == 401
    assert len(lines[-1]["span_id"]) == 16 and lines[-1]["span_id"] != "b7ad6b7169203331"


@pytest.mark.parametrize("logging", ["local", "none"])
def test_local_logging_is_plain_text_and_none_keeps_only_warnings(
    solo: Solo, tmp_path: Path, logging: str
) -> None:
    spec = json.loads((solo.dir / "spec.json").read_text())
    spec["observability"]["logging"] = logging
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    url, log = solo.start(SPEC_PATH=str(tmp_path / "spec.json"))
    runner.http("GET", url + "/orders/1", headers={"X-Request-ID": "plain-1"})  # 401, info
    text = log.read_text()
    if logging == "local":
        line = next(line for line in text.splitlines() if "request_id=plain-1" in line)
        assert " INFO solo request " in line and not line.startswith("{"), line
    else:
        assert "plain-1" not in text and " INFO " not in text and '"info"' not in text, text


def test_healthcheck_flag_probes_the_running_service(solo: Solo) -> None:
    url, _ = solo.start()
    port = url.rsplit(":", 1)[1]
    probe = [str(solo.binary), "-healthcheck"]
    ok = subprocess.run(probe, cwd=solo.dir, env={"PORT": port}, capture_output=True, timeout=10)
    assert ok.returncode == 0
    down = subprocess.run(
        probe, cwd=solo.dir, env={"PORT": str(runner.free_port())}, capture_output=True, timeout=10
    )
    assert down.returncode == 1


def spans(collector: HttpStub) -> list[dict[str, Any]]:
    """The spans an OTLP/HTTP JSON exporter posted to ``collector``."""
    out = []
    for req in collector.received:
        for rs in json.loads(req.body)["resourceSpans"]:
            service = rs["resource"]["attributes"][0]["value"]["stringValue"]
            for ss in rs["scopeSpans"]:
                out += [{**span, "service": service} for span in ss["spans"]]
    return out


def test_spans_are_exported_over_otlp_http_in_the_clients_trace(solo: Solo) -> None:
    collector = HttpStub()
    try:
        url, _ = solo.start(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
        runner.http("GET", url + "/orders/9", headers={"traceparent": TRACEPARENT})
        assert runner.wait_until(lambda: spans(collector), 15), "no span reached the collector"
    finally:
        collector.close()
    assert collector.received[0].path == "/v1/traces"
    assert collector.received[0].headers["content-type"] == "application/json"
    span = next(s for s in spans(collector) if s["traceId"] == TRACE_ID)
    assert span["service"] == "solo" and span["name"] == "GET /orders/{id}"
    assert span["kind"] == 2 and span["parentSpanId"] == "b7ad6b7169203331"


# -- events over NATS and Redis streams, between two Go services ---------------------------


def events_model() -> dict[str, Any]:
    service = {"runtime": "go", "observability": OBSERVED}
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "goevents",
            "services": [
                {"id": "pub", **service, "publishes": ["n-event", "r-event"]},
                {
                    "id": "sub",
                    **service,
                    "subscribes": [
                        {"event": "n-event", "idempotent": True},
                        {"event": "r-event", "idempotent": True},
                    ],
                },
            ],
            "brokers": [{"id": "nbus", "kind": "nats"}, {"id": "rbus", "kind": "redis"}],
            "events": [
                {"id": "n-event", "broker": "nbus", "channel": "n.events"},
                {"id": "r-event", "broker": "rbus", "channel": "r.events"},
            ],
        }
    )


@pytest.fixture
def events(tmp_path: Path) -> Iterator[tuple[dict[str, Any], runner.Running]]:
    for kind in ("nats", "redis"):
        if not runner.port_open(runner.SERVICES[kind]):
            pytest.skip(f"{kind} is not reachable")
    doc = events_model()
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    proxies = {kind: runner.TcpProxy(runner.SERVICES[kind]) for kind in ("nats", "redis")}
    bundle.backing_ports = {kind: proxy.port for kind, proxy in proxies.items()}
    run = bundle.start(Path(sys.executable), tmp_path)
    run.on_stop.extend(proxy.close for proxy in proxies.values())
    run.proxies = proxies  # type: ignore[attr-defined]
    try:
        for name in ("pub", "sub"):
            ok = runner.wait_until(
                lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 60
            )
            assert ok, f"{name} never became ready\n{run.log(name)}"
        yield doc, run
    finally:
        run.stop_all()


def sub_metric(run: runner.Running, name: str, **labels: str) -> float | None:
    """The sum of the consumer's ``name`` samples with these labels; None when there is none."""
    from prometheus_client.parser import text_string_to_metric_families

    _, text = runner.http("GET", run.url("sub", "/metrics"))
    values = [
        s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return sum(values) if values else None


def consumed(run: runner.Running, event: str, outcome: str) -> float:
    return sub_metric(run, "events_consumed_total", event=event, outcome=outcome) or 0.0


def publish_and_receive(run: runner.Running, event: str, headers: dict[str, str]) -> dict:
    marker = uuid.uuid4().hex
    status, body = runner.http(
        "POST", run.url("pub", f"/_events/publish/{event}"), {"marker": marker}, headers=headers
    )
    assert status == 202 and body["status"] == "published", body

    def got() -> list[dict[str, Any]]:
        _, items = runner.http("GET", run.url("sub", "/_events/received"))
        return [i for i in items if (i["message"].get("data") or {}).get("marker") == marker]

    assert runner.wait_until(got, 20), run.log("sub")
    return got()[0]["message"]


@pytest.mark.integration
def test_both_brokers_reconnect_after_an_outage(
    events: tuple[dict[str, Any], runner.Running],
) -> None:
    _, run = events
    for proxy in run.proxies.values():  # type: ignore[attr-defined]
        proxy.down()

    def problems() -> str:
        status, body = runner.http("GET", run.url("pub", "/readyz"))
        return " | ".join(body.get("problems", [])) if status == 503 else ""

    assert runner.wait_until(lambda: "nbus" in problems() and "rbus" in problems(), 20), problems()
    status, body = runner.http("POST", run.url("pub", "/_events/publish/n-event"), {"x": 1})
    assert status == 503, f"no outbox: a publish while the broker is down is refused: {body}"
    for proxy in run.proxies.values():  # type: ignore[attr-defined]
        proxy.up()
    for name in ("pub", "sub"):
        assert runner.wait_until(
            lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 30
        ), run.log(name)
    for event in ("n-event", "r-event"):
        publish_and_receive(run, event, {})


@pytest.mark.integration
@pytest.mark.parametrize("event", ["n-event", "r-event"])
def test_an_event_crosses_nats_and_redis_streams_in_the_publishers_trace(
    events: tuple[dict[str, Any], runner.Running], event: str
) -> None:
    _, run = events
    envelope = publish_and_receive(run, event, {"traceparent": TRACEPARENT})
    assert envelope["type"] == event and envelope["source"] == "urn:workbench:pub"
    assert envelope["traceparent"].split("-")[1] == TRACE_ID
    assert consumed(run, event, "ok") >= 1
    if event == "r-event":  # Redis exposes the group's lag (XINFO GROUPS); core NATS has none
        assert runner.wait_until(
            lambda: sub_metric(run, "events_consumer_lag", event=event, group="sub") == 0, 10
        )


@pytest.mark.integration
@pytest.mark.parametrize("event", ["n-event", "r-event"])
def test_a_poison_event_on_nats_and_redis_is_dead_lettered(
    events: tuple[dict[str, Any], runner.Running], event: str
) -> None:
    doc, run = events
    assert runner.http("POST", run.url("sub", f"/_events/fail/{event}?times=1000"))[0] == 200
    marker = uuid.uuid4().hex
    assert (
        runner.http("POST", run.url("pub", f"/_events/publish/{event}"), {"marker": marker})[0]
        == 202
    )
    assert runner.wait_until(lambda: consumed(run, event, "dead_lettered") >= 1, 30), run.log("sub")
    assert consumed(run, event, "error") == 4  # DEAD_LETTER_AFTER = 5 deliveries in all
    if event == "r-event":
        import redis

        channel = next(e["channel"] for e in doc["events"] if e["id"] == event)
        client = redis.Redis(host="127.0.0.1", port=6379, db=14)
        entries = client.xrange(f"{channel}.dead-letter")
        client.delete(channel, f"{channel}.dead-letter")
        assert any(marker in entry[b"data"].decode() for _, entry in entries)


# -- the outbox and the processed-message table on MySQL/MariaDB -----------------------------


def mysql_model() -> dict[str, Any]:
    service = {"runtime": "go", "observability": OBSERVED}
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "gomysql",
            "services": [
                {
                    "id": "pub",
                    **service,
                    "data": ["pub-db"],
                    "publishes": [{"event": "m-event", "outbox": True}],
                },
                {
                    "id": "sub",
                    **service,
                    "data": ["sub-db"],
                    "subscribes": [{"event": "m-event", "idempotent": True}],
                },
            ],
            "datastores": [
                {"id": "pub-db", "kind": "mysql", "owner": "pub"},
                {"id": "sub-db", "kind": "mariadb", "owner": "sub"},
            ],
            "brokers": [{"id": "bus", "kind": "rabbitmq"}],
            "events": [{"id": "m-event", "broker": "bus", "channel": "m.events"}],
        }
    )


@pytest.mark.integration
def test_outbox_and_duplicates_on_mysql_and_mariadb(tmp_path: Path) -> None:
    import shutil

    import amqp

    for kind in ("mysql", "rabbitmq"):
        if not runner.port_open(runner.SERVICES[kind]):
            pytest.skip(f"{kind} is not reachable")
    if shutil.which("mysql") is None:
        pytest.skip("the mysql client is needed to create the test database")
    doc = mysql_model()
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    bundle.prepare_datastores()
    run = bundle.start(Path(sys.executable), tmp_path)
    run.on_stop.append(bundle.drop_datastores)
    try:
        for name in ("pub", "sub"):
            ok = runner.wait_until(
                lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 60
            )
            assert ok, f"{name} never became ready: {run.log(name)}"
        marker = uuid.uuid4().hex
        status, body = runner.http(
            "POST", run.url("pub", "/_events/publish/m-event"), {"marker": marker}
        )
        assert status == 202 and body["status"] == "stored", body

        def got() -> list[dict[str, Any]]:
            _, items = runner.http("GET", run.url("sub", "/_events/received"))
            return [i for i in items if (i["message"].get("data") or {}).get("marker") == marker]

        assert runner.wait_until(got, 20), run.log("pub") + run.log("sub")
        envelope = got()[0]["message"]
        conn = amqp.Connection("127.0.0.1:5672", userid="guest", password="guest")
        conn.connect()
        try:
            conn.channel().basic_publish(
                amqp.Message(json.dumps(envelope)),
                exchange=f"{doc['name']}.events",
                routing_key=doc["events"][0]["channel"],
            )
        finally:
            conn.close()
        assert runner.wait_until(lambda: consumed(run, "m-event", "duplicate") >= 1, 20), run.log(
            "sub"
        )
        assert len(got()) == 1
        # RabbitMQ: the messages ready in the group's queue
        assert sub_metric(run, "events_consumer_lag", event="m-event", group="sub") == 0
    finally:
        run.stop_all()
