"""Every runtime's skeleton keeps the contract of docs/skeletons.md, run for real.

One small system per runtime: ``front`` calls ``back`` (timeout, retries, a circuit breaker and
a fallback) and publishes ``thing-happened`` through an outbox in its PostgreSQL database;
``back`` consumes it idempotently. Both ask for central logging, metrics and tracing. The
services run as processes against the machine's PostgreSQL and RabbitMQ, reached through a
``TcpProxy`` the test can cut (the shared servers are never stopped).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import amqp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .runtimes import LAUNCHERS

pytestmark = pytest.mark.integration

# The runtimes whose skeleton keeps the whole contract (each has a launcher, or is Python).
RUNTIMES = ["python", "node", "go"]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def contract_model(runtime: str) -> dict[str, Any]:
    service = {
        "runtime": runtime,
        "health": True,
        "observability": {"logging": "central", "metrics": True, "tracing": True},
    }
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "contract",
            "services": [
                {
                    "id": "front",
                    **service,
                    "apis": [
                        {
                            "id": "front-api",
                            "style": "rest",
                            "version": "v1",
                            "operations": [{"method": "POST", "path": "/things"}],
                        }
                    ],
                    "calls": [
                        {
                            "to": "back",
                            "api": "back-api",
                            "operation": "GET /things/{id}",
                            "timeout_ms": 800,
                            "retries": {"max": 1, "backoff_ms": 50, "jitter": True},
                            "circuit_breaker": {"failure_threshold": 3, "reset_timeout_ms": 60000},
                            "fallback": "cached thing",
                        }
                    ],
                    "data": ["front-db"],
                    "publishes": [{"event": "thing-happened", "outbox": True}],
                },
                {
                    "id": "back",
                    **service,
                    "apis": [
                        {
                            "id": "back-api",
                            "style": "rest",
                            "version": "v1",
                            "operations": [{"method": "GET", "path": "/things/{id}"}],
                        }
                    ],
                    "data": ["back-db"],
                    "subscribes": [{"event": "thing-happened", "idempotent": True}],
                },
            ],
            "datastores": [
                {"id": "front-db", "kind": "postgres", "owner": "front"},
                {"id": "back-db", "kind": "postgres", "owner": "back"},
            ],
            "brokers": [{"id": "bus", "kind": "rabbitmq"}],
            "events": [{"id": "thing-happened", "broker": "bus", "channel": "things.happened"}],
        }
    )


# The contract's tables (docs/skeletons.md), made here until the bundle's runtime-neutral
# migrations are applied by the runner; every runtime's skeleton reads and writes them.
@pytest.fixture(scope="module")
def python_venv() -> Path:
    bundle = runner.Bundle(
        runner.extract(
            export_bundle(model_from_data(contract_model("python")), target="compose").to_zip(),
            runner.tmpdir(),
        )
    )
    try:
        return runner.skeleton_venv(bundle.requirements())
    except Exception as exc:  # no registry, no compiler...
        pytest.skip(f"cannot install the skeleton requirements: {exc}")


class System:
    """The running contract system, with the proxies in front of PostgreSQL and RabbitMQ."""

    def __init__(self, doc: dict[str, Any], run: runner.Running, proxies: dict[str, Any]):
        self.doc = doc
        self.run = run
        self.proxies = proxies
        self.channel = doc["events"][0]["channel"]
        self.exchange = f"{doc['name']}.events"

    def url(self, service: str, path: str) -> str:
        return self.run.url(service, path)

    def ready(self, service: str) -> tuple[int, Any]:
        return runner.http("GET", self.url(service, "/readyz"))

    def log_lines(self, service: str) -> list[dict[str, Any]]:
        """Every line the service wrote: each must be one JSON object (central logging)."""
        text = self.run.logs[service].read_text(errors="replace")
        lines = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pytest.fail(f"{service} log line {number} is not JSON: {line[:300]}")
        return lines

    def metrics(self, service: str) -> dict[str, list[Any]]:
        """``/metrics`` read by Prometheus' own parser: family name -> samples."""
        status, text = runner.http("GET", self.url(service, "/metrics"))
        assert status == 200, text
        assert isinstance(text, str)
        return {f.name: f.samples for f in text_string_to_metric_families(text)}

    def received(self, marker: str) -> list[dict[str, Any]]:
        status, events = runner.http("GET", self.url("back", "/_events/received"))
        assert status == 200, events
        return [e for e in events if (e["message"].get("data") or {}).get("marker") == marker]

    def publish(self, marker: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return runner.http(
            "POST",
            self.url("front", "/_events/publish/thing-happened"),
            {"marker": marker},
            headers=headers,
        )


def sample(families: dict[str, list[Any]], name: str, **labels: str) -> float:
    """The value of the sample ``name`` with these labels (summed over the others), or 0."""
    total = 0.0
    for samples in families.values():
        for s in samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


@pytest.fixture(params=RUNTIMES)
def system(request: pytest.FixtureRequest, python_venv: Path, tmp_path: Path) -> Iterator[System]:
    runtime = request.param
    if runtime != "python" and runtime not in LAUNCHERS:
        pytest.skip(f"no launcher for the {runtime} skeleton")
    for service in ("postgres", "rabbitmq"):
        if not runner.port_open(runner.SERVICES[service]):
            pytest.skip(f"{service} is not reachable")
    doc = contract_model(runtime)
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    proxies = {kind: runner.TcpProxy(runner.SERVICES[kind]) for kind in ("postgres", "rabbitmq")}
    bundle.backing_ports = {kind: proxy.port for kind, proxy in proxies.items()}
    bundle.prepare_datastores()
    run = bundle.start(python_venv, tmp_path)
    run.on_stop.append(bundle.drop_datastores)
    run.on_stop.extend(proxy.close for proxy in proxies.values())
    system = System(doc, run, proxies)
    try:
        for name in ("front", "back"):
            ok = runner.wait_until(lambda n=name: system.ready(n)[0] == 200, 120)
            assert ok, f"{name} never became ready: {system.ready(name)}\n{run.log(name)}"
        yield system
    finally:
        run.stop_all()


def test_readiness_is_503_while_the_datastore_is_down_and_200_when_it_is_back(
    system: System,
) -> None:
    system.proxies["postgres"].down()
    assert runner.wait_until(lambda: system.ready("back")[0] == 503, 20)
    _status, body = system.ready("back")
    assert body["status"] == "unavailable"
    assert any("back-db" in p for p in body["problems"]), body
    assert runner.http("GET", system.url("back", "/healthz"))[0] == 200  # alive all the same
    system.proxies["postgres"].up()
    assert runner.wait_until(lambda: system.ready("back")[0] == 200, 30), system.ready("back")


def test_a_call_through_the_breaker_opens_and_falls_back(system: System) -> None:
    status, body = runner.http(
        "POST", system.url("front", "/_calls/back?method=GET&path=/things/1")
    )
    assert status == 200 and body["fallback"] is None, body
    system.run.stop("back")
    results = [
        runner.http("POST", system.url("front", "/_calls/back?method=GET&path=/things/1"))
        for _ in range(5)
    ]
    assert all(status == 200 for status, _ in results), results
    assert all(body["fallback"] for _, body in results), "every failed call answers the fallback"
    assert results[-1][1]["state"] == "open", results[-1]
    families = system.metrics("front")
    assert sample(families, "circuit_breaker_state", target="back") == 1
    assert sample(families, "http_client_requests_total", target="back", outcome="fallback") >= 5


def test_an_event_crosses_both_services_in_one_trace(system: System) -> None:
    marker = uuid.uuid4().hex
    status, body = system.publish(
        marker, headers={"traceparent": TRACEPARENT, "X-Request-ID": f"req-{marker}"}
    )
    assert status in (200, 202), body
    assert runner.wait_until(lambda: system.received(marker), 20), system.run.log("back")
    envelope = system.received(marker)[0]["message"]
    assert envelope["specversion"] == "1.0" and envelope["type"] == "thing-happened"
    assert envelope["source"] == "urn:workbench:front" and envelope["id"]
    assert envelope["traceparent"].split("-")[1] == TRACE_ID
    front = [line for line in system.log_lines("front") if line.get("trace_id") == TRACE_ID]
    back = [line for line in system.log_lines("back") if line.get("trace_id") == TRACE_ID]
    assert front, "the publisher logged nothing in the client's trace"
    assert back, "the consumer logged nothing in the publisher's trace"
    for line in front + back:
        assert {"time", "level", "service", "message", "span_id", "request_id"} <= line.keys()
    assert any(line["request_id"] == f"req-{marker}" for line in front)


def test_requests_keep_the_clients_request_id_and_are_counted_per_route(system: System) -> None:
    status, _ = runner.http(
        "GET", system.url("back", "/things/42"), headers={"X-Request-ID": "abc-123"}
    )
    assert status == 200

    def logged() -> list[dict[str, Any]]:  # a runtime may write its log line after answering
        return [line for line in system.log_lines("back") if line.get("request_id") == "abc-123"]

    assert runner.wait_until(logged, 5), "the request id the client sent reaches the log"
    families = system.metrics("back")
    assert sample(families, "http_server_requests_total", route="/things/{id}", status="200") >= 1
    assert "http_server_request_duration_seconds" in families


def test_an_outbox_event_written_while_the_broker_is_down_is_delivered_when_it_returns(
    system: System,
) -> None:
    system.proxies["rabbitmq"].down()
    assert runner.wait_until(lambda: system.ready("front")[0] == 503, 20)
    marker = uuid.uuid4().hex
    status, body = system.publish(marker)
    assert status in (200, 202), f"the outbox accepts the event while the broker is down: {body}"
    time.sleep(2)
    assert sample(system.metrics("front"), "outbox_pending") >= 1
    system.proxies["rabbitmq"].up()
    assert runner.wait_until(lambda: system.received(marker), 40), system.run.log("front")
    assert runner.wait_until(lambda: sample(system.metrics("front"), "outbox_pending") == 0, 10)


def amqp_channel() -> amqp.Channel:
    conn = amqp.Connection("127.0.0.1:5672", userid="guest", password="guest")
    conn.connect()
    return conn.channel()


def envelope_of(marker: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:workbench:front",
        "type": "thing-happened",
        "time": "2026-12-02T12:00:00Z",
        "datacontenttype": "application/json",
        "data": {"marker": marker},
    }


def publish_raw(system: System, envelope: dict[str, Any], times: int = 1) -> None:
    """Straight onto the broker (the machine's RabbitMQ, not through the test's proxy)."""
    channel = amqp_channel()
    try:
        for _ in range(times):
            message = amqp.Message(json.dumps(envelope), content_type="application/json")
            channel.basic_publish(message, exchange=system.exchange, routing_key=system.channel)
    finally:
        channel.connection.close()


def test_a_duplicate_event_is_consumed_once(system: System) -> None:
    marker = uuid.uuid4().hex
    publish_raw(system, envelope_of(marker), times=2)
    assert runner.wait_until(
        lambda: sample(system.metrics("back"), "events_consumed_total", outcome="duplicate") >= 1,
        20,
    ), system.run.log("back")
    assert len(system.received(marker)) == 1


def test_a_poison_message_is_dead_lettered_not_redelivered_forever(system: System) -> None:
    status, body = runner.http(
        "POST", system.url("back", "/_events/fail/thing-happened?times=1000")
    )
    assert status == 200, body
    marker = uuid.uuid4().hex
    assert system.publish(marker)[0] in (200, 202)
    assert runner.wait_until(
        lambda: (
            sample(system.metrics("back"), "events_consumed_total", outcome="dead_lettered") >= 1
        ),
        40,
    ), system.run.log("back")
    queue = f"back.{system.channel}.dead-letter"
    channel = amqp_channel()
    try:
        message = channel.basic_get(queue, no_ack=True)
    finally:
        channel.connection.close()
    assert message is not None, f"nothing in {queue}"
    assert json.loads(message.body)["data"]["marker"] == marker
    errors = [line for line in system.log_lines("back") if line["level"] == "error"]
    assert errors, "a dead-lettered event is logged as an error"


def test_a_datastore_outage_delays_an_idempotent_event_but_never_dead_letters_it(
    system: System,
) -> None:
    system.proxies["postgres"].down()  # back's processed-message table is out of reach
    assert runner.wait_until(lambda: system.ready("back")[0] == 503, 20)
    marker = uuid.uuid4().hex
    publish_raw(system, envelope_of(marker))
    time.sleep(5)  # longer than DEAD_LETTER_AFTER failed deliveries with their backoff
    dead = sample(system.metrics("back"), "events_consumed_total", outcome="dead_lettered")
    assert dead == 0 and not system.received(marker)
    system.proxies["postgres"].up()
    assert runner.wait_until(lambda: system.received(marker), 30), system.run.log("back")
    assert sample(system.metrics("back"), "events_consumed_total", outcome="dead_lettered") == 0
