"""The Node.js skeleton (``exporters/skeleton/files/node``) below the contract tests: every file
parses, the dependencies are pinned and locked, secrets and tokens are handled as the Python
skeleton handles them, the image installs from the lock, and the exported service runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from apps.archmodel import Model
from exporters import export_bundle
from exporters.skeleton import STATIC
from tests.exporters import runner
from tests.exporters.doubles import HttpStub
from tests.exporters.runtimes import LAUNCHERS

NODE = Path(__file__).parents[2] / "exporters" / "skeleton" / "files" / "node"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def node_eval(code: str, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` (its last expression's JSON is printed by it) in the skeleton's directory."""
    result = subprocess.run(
        ["node", "-e", code],
        cwd=NODE,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a central log, each one JSON object with no key twice."""

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"a key twice in a log line: {keys}"
        return dict(pairs)

    return [
        json.loads(line, object_pairs_hook=no_repeats)
        for line in path.read_text().splitlines()
        if line.strip()
    ]


@needs_node
@pytest.mark.parametrize("name", [n for n in STATIC["node"] if n.endswith(".js")])
def test_every_node_file_parses(name: str) -> None:
    result = subprocess.run(["node", "--check", str(NODE / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_file_of_the_skeleton_is_exported_and_nothing_else_is_left_behind() -> None:
    on_disk = {
        str(p.relative_to(NODE))
        for p in NODE.rglob("*")
        if p.is_file() and "node_modules" not in p.parts
    }
    assert on_disk == set(STATIC["node"])


def test_dependencies_are_pinned_exactly_and_the_lock_matches_them() -> None:
    package = json.loads((NODE / "package.json").read_text())
    lock = json.loads((NODE / "package-lock.json").read_text())
    deps = package["dependencies"]
    assert {"fastify", "opossum", "prom-client", "pino", "pg", "amqplib", "nats", "kafkajs"} <= set(
        deps
    )
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in deps.values()), deps
    assert lock["lockfileVersion"] == 3
    assert lock["packages"][""]["dependencies"] == deps
    for name, version in deps.items():
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")


@needs_node
def test_secret_files_and_passwords_in_urls_agree_with_the_python_skeleton(tmp_path: Path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("p@ss w/rd:1\n")
    env = {
        "DATASTORE_DB_PASSWORD_FILE": str(secret),
        "DATASTORE_DB_URL": "postgresql://orders@db:5432/orders",
        "BROKER_BUS_URL_FILE": str(secret),  # a URL from a file (here: not a URL)
        "CACHE_URL": "redis://cache:6379/0",  # no password for it: unchanged
        "SSL_CERT_FILE": "/nonexistent",  # not a secret: left alone
        "OTHER_PASSWORD": "x",
        "OTHER_URL": "amqp://u:given@bus:5672/",  # has a password: unchanged
    }
    code = (
        "const env = JSON.parse(process.argv[1]);"
        "require('./lib/config').loadSecretFiles(env); console.log(JSON.stringify(env))"
    )
    result = subprocess.run(
        ["node", "-e", code, json.dumps(env)], cwd=NODE, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    from_node = json.loads(result.stdout)
    python = dict(env)
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "skeleton_secrets", NODE.parent / "python" / "app" / "__init__.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its import-time call reads this process's env: harmless
    module.load_secret_files(python)
    assert from_node == python
    assert from_node["DATASTORE_DB_URL"] == "postgresql://orders:p%40ss%20w%2Frd%3A1@db:5432/orders"


@needs_node
def test_an_unreadable_secret_file_stops_the_start(everything: Model, tmp_path: Path) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    result = subprocess.run(
        ["node", "server.js"],
        cwd=root / "services" / "nodejs",
        env={"PATH": "/usr/bin:/bin", "API_TOKEN_FILE": str(tmp_path / "missing")},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "API_TOKEN_FILE: cannot read" in result.stderr and "Traceback" not in result.stderr


@needs_node
def test_tokens_are_verified_against_the_issuers_jwks() -> None:
    issuer = runner.Issuer()
    code = """
const { JwtVerifier } = require('./lib/auth');
const v = new JwtVerifier();
(async () => {
  const out = {};
  for (const [name, header] of Object.entries(JSON.parse(process.argv[1]))) {
    try { out[name] = (await v.verify(header)).sub; } catch (e) { out[name] = 'denied: ' + e.message; }
  }
  console.log(JSON.stringify(out));
})();
"""
    headers = {
        "good": f"Bearer {issuer.token(sub='alice')}",
        "forged": f"Bearer {issuer.token(forged=True)}",
        "audience": f"Bearer {issuer.token(audience='another-api')}",
        "expired": f"Bearer {issuer.token(expires_in=-120)}",
        "missing": "",
    }
    result = subprocess.run(
        ["node", "-e", code, json.dumps(headers)],
        cwd=NODE,
        env={"PATH": "/usr/bin:/bin", **issuer.settings()},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["good"] == "alice"
    assert out["forged"] == "denied: invalid token: Signature verification failed"
    assert out["audience"].startswith("denied: invalid token: Audience")
    assert out["expired"] == "denied: invalid token: Signature has expired"
    assert out["missing"] == "denied: a bearer token is required"


def test_the_image_installs_from_the_lock_as_a_non_root_user(everything: Model) -> None:
    files = export_bundle(everything).files
    dockerfile = files["services/nodejs/Dockerfile"].decode()
    assert re.search(r"^FROM node:\d+\.\d+\.\d+-bookworm-slim$", dockerfile, re.M)
    assert "COPY package.json package-lock.json ./\nRUN npm ci --omit=dev" in dockerfile
    assert "USER 10001" in dockerfile and 'CMD ["node", "server.js"]' in dockerfile
    check = next(
        line for line in dockerfile.splitlines() if line.strip().startswith('CMD ["node", "-e"')
    )
    assert json.loads(check.strip()[4:])[:2] == ["node", "-e"]  # exec form: no shell, no curl
    for name in STATIC["node"]:
        assert f"services/nodejs/{name}" in files
    assert json.loads(files["services/nodejs/spec.json"])["runtime"] == "node"


@needs_node
def test_the_exported_service_serves_health_routes_request_ids_and_json_logs(
    everything: Model, tmp_path: Path
) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    service = root / "services" / "nodejs"
    spec = json.loads((service / "spec.json").read_text())
    spec["observability"] = {"logging": "central", "metrics": True, "tracing": True}
    (service / "spec.json").write_text(json.dumps(spec))
    cmd = LAUNCHERS["node"](service)
    port = runner.free_port()
    log = tmp_path / "out.log"
    proc = subprocess.Popen(
        cmd,
        cwd=service,
        env={"PATH": "/usr/bin:/bin", "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert runner.wait_until(lambda: runner.http("GET", url + "/healthz")[0] == 200, 60), (
            log.read_text()
        )
        status, body = runner.http("GET", url + "/hello", headers={"X-Request-ID": "rid-1"})
        assert status == 200 and body["operation"] == "GET /hello" and body["stub"] is True
        assert runner.http("GET", url + "/api/node/hello")[0] == 200  # via the gateway prefix
        status, body = runner.http("GET", url + "/nope")
        assert status == 404 and "detail" in body
        # readiness names what is missing: the address of the modelled call
        status, body = runner.http("GET", url + "/readyz")
        assert status == 503 and "SERVICE_PY_URL is not set" in body["problems"]
        for sent, kept in (("abc-123", True), ("x" * 129, False)):
            request = urllib.request.Request(url + "/hello", headers={"X-Request-ID": sent})
            with urllib.request.urlopen(request, timeout=10) as response:
                answered = response.headers["x-request-id"]
            assert answered == sent if kept else re.fullmatch(r"[0-9a-f-]{36}", answered)
        status, text = runner.http("GET", url + "/metrics")
        assert status == 200 and 'route="/hello"' in text and 'route="/api/node/hello"' in text
        assert "/nope" not in text  # unmatched paths never become label values
    finally:
        proc.terminate()
        proc.wait(10)
    lines = json_lines(log)
    hello = [line for line in lines if line.get("request_id") == "rid-1"]
    assert hello and hello[0]["service"] == "nodejs" and hello[0]["level"] == "info"
    assert re.fullmatch(r"[0-9a-f]{32}", hello[0]["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", hello[0]["span_id"])
    assert all({"time", "level", "service", "message"} <= line.keys() for line in lines)


def event_model(broker: str, store: str) -> dict[str, Any]:
    """Two node services: ``front`` publishes through an outbox in its ``store``, ``back``
    consumes idempotently (processed table in its own ``store``), both on a ``broker``."""
    service = {
        "runtime": "node",
        "observability": {"logging": "central", "metrics": True, "tracing": True},
    }
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "node-events",
            "services": [
                {
                    "id": "front",
                    **service,
                    "data": ["front-db"],
                    "publishes": [{"event": "thing-happened", "outbox": True}],
                },
                {
                    "id": "back",
                    **service,
                    "data": ["back-db"],
                    "subscribes": [{"event": "thing-happened", "idempotent": True}],
                },
            ],
            "datastores": [
                {"id": "front-db", "kind": store, "owner": "front"},
                {"id": "back-db", "kind": store, "owner": "back"},
            ],
            "brokers": [{"id": "bus", "kind": broker}],
            "events": [{"id": "thing-happened", "broker": "bus", "channel": "things.happened"}],
        }
    )


@needs_node
@pytest.mark.integration
@pytest.mark.parametrize(("broker", "store"), [("nats", "postgres"), ("redis", "mysql")])
def test_events_cross_nats_and_redis_streams_through_an_outbox_and_dead_letter(
    broker: str, store: str, tmp_path: Path
) -> None:
    from apps.archmodel.loader import model_from_data

    for kind in (broker, "mysql" if store == "mysql" else "postgres"):
        if not runner.port_open(runner.SERVICES[kind]):
            pytest.skip(f"{kind} is not reachable")
    doc = event_model(broker, store)
    channel = doc["events"][0]["channel"]
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    bundle.prepare_datastores()
    run = bundle.start(Path(shutil.which("python3") or "python3"), tmp_path)
    run.on_stop.append(bundle.drop_datastores)
    try:
        for name in ("front", "back"):
            assert runner.wait_until(
                lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 60
            ), run.log(name)

        def received(marker: str) -> list[Any]:
            events = runner.http("GET", run.url("back", "/_events/received"))[1]
            return [e for e in events if e["message"]["data"].get("marker") == marker]

        status, body = runner.http(
            "POST", run.url("front", "/_events/publish/thing-happened"), {"marker": "one"}
        )
        assert status == 202 and body["outbox"] is True, body
        assert runner.wait_until(lambda: received("one"), 20), run.log("back")
        assert received("one")[0]["message"]["source"] == "urn:workbench:front"

        assert (
            runner.http("POST", run.url("back", "/_events/fail/thing-happened?times=99"))[0] == 200
        )
        runner.http("POST", run.url("front", "/_events/publish/thing-happened"), {"marker": "bad"})

        def dead_lettered() -> float:
            text = runner.http("GET", run.url("back", "/metrics"))[1]
            match = re.search(
                r'events_consumed_total\{event="thing-happened",outcome="dead_lettered"\} (\S+)',
                text,
            )
            return float(match.group(1)) if match else 0.0

        assert runner.wait_until(lambda: dead_lettered() >= 1, 40), run.log("back")
        assert not received("bad")
        published = [line for line in json_lines(run.logs["front"]) if line.get("event")]
        assert published and all(re.fullmatch(r"[0-9a-f]{32}", p["trace_id"]) for p in published)
        assert all(line["level"] != "error" for line in json_lines(run.logs["front"]))
        dead = [line for line in json_lines(run.logs["back"]) if line["level"] == "error"]
        assert dead and "dead-lettered" in dead[0]["message"] and dead[0]["event_id"]
        if broker == "redis":
            import redis

            client = redis.Redis(port=runner.SERVICES["redis"], db=14)
            entries = client.xrange(f"{channel}.dead-letter")
            assert any(b'"bad"' in fields[b"data"] for _, fields in entries)
            client.delete(channel, f"{channel}.dead-letter")
    finally:
        run.stop_all()


@needs_node
def test_unreachable_kafka_and_mongodb_keep_it_alive_but_not_ready(tmp_path: Path) -> None:
    from apps.archmodel.loader import model_from_data

    doc = {
        "apiVersion": "workbench/v1",
        "name": "node-down",
        "services": [
            {
                "id": "svc",
                "runtime": "node",
                "observability": {"logging": "local"},
                "data": ["docs"],
                "publishes": ["thing-happened"],
            }
        ],
        "datastores": [{"id": "docs", "kind": "mongodb", "owner": "svc"}],
        "brokers": [{"id": "bus", "kind": "kafka"}],
        "events": [{"id": "thing-happened", "broker": "bus"}],
    }
    root = runner.extract(export_bundle(model_from_data(doc)).to_zip(), tmp_path)
    service = root / "services" / "svc"
    cmd = LAUNCHERS["node"](service)
    port, closed = runner.free_port(), runner.free_port()
    log = tmp_path / "out.log"
    proc = subprocess.Popen(
        cmd,
        cwd=service,
        env={
            "PATH": "/usr/bin:/bin",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "WORKBENCH_DEBUG_ENDPOINTS": "1",
            "DATASTORE_DOCS_URL": f"mongodb://127.0.0.1:{closed}/docs",
            "BROKER_BUS_URL": f"kafka://127.0.0.1:{closed}",
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert runner.wait_until(lambda: runner.http("GET", url + "/healthz")[0] == 200, 60), (
            log.read_text()
        )
        status, body = runner.http("GET", url + "/readyz")
        assert status == 503, body
        assert any(p.startswith("datastore docs:") for p in body["problems"]), body
        assert any(p.startswith("broker bus:") for p in body["problems"]), body
        # no outbox modelled, broker down: the publish is refused, not lost silently
        status, body = runner.http("POST", url + "/_events/publish/thing-happened", {"a": 1})
        assert status == 503 and "not connected" in body["detail"], body
        assert runner.http("POST", url + "/_events/publish/unknown", {})[0] == 404
        assert runner.http("GET", url + "/metrics")[0] == 404  # metrics not modelled
    finally:
        proc.terminate()
        assert proc.wait(15) == 0, log.read_text()  # SIGTERM: a clean stop
    text = log.read_text()
    assert "INFO svc svc listening on 127.0.0.1" in text  # logging: local is plain text
    assert not any(line.startswith("{") for line in text.splitlines())  # kafkajs' lines too
    assert "WARN svc Connection error: connect ECONNREFUSED" in text


@needs_node
def test_spans_are_exported_over_otlp_http_in_the_clients_trace(
    everything: Model, tmp_path: Path
) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    service = root / "services" / "nodejs"
    spec = json.loads((service / "spec.json").read_text())
    spec["observability"] = {"logging": "central", "metrics": False, "tracing": True}
    (service / "spec.json").write_text(json.dumps(spec))
    cmd = LAUNCHERS["node"](service)
    receiver = HttpStub()  # an OTLP/HTTP collector
    port = runner.free_port()
    log = tmp_path / "out.log"
    proc = subprocess.Popen(
        cmd,
        cwd=service,
        env={
            "PATH": "/usr/bin:/bin",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_SERVICE_NAME": "node-under-test",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        url = f"http://127.0.0.1:{port}"
        assert runner.wait_until(lambda: runner.http("GET", url + "/healthz")[0] == 200, 60), (
            log.read_text()
        )
        traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
        assert runner.http("GET", url + "/hello", headers={"traceparent": traceparent})[0] == 200
        assert runner.wait_until(lambda: receiver.received, 15), log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)
        receiver.close()
    body = receiver.received[0].body
    assert receiver.received[0].path == "/v1/traces"
    text = body.decode(errors="replace")
    assert "node-under-test" in text and "GET /hello" in text
    assert trace_id in text or bytes.fromhex(trace_id) in body  # JSON (hex) or protobuf (bytes)


RESILIENCE_SCRIPT = """
const { Dependency } = require('./lib/resilience');
const { makeMetrics, api } = require('./lib/telemetry');
const log = { info() {}, warn() {} };
const tracer = api.trace.getTracer('t');
const dep = (spec) => new Dependency({ to: 'x', env: 'X_URL', idempotent: null, ...spec },
  { tracer, metrics: makeMetrics({ calls: [] }), log });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const out = {};
  const plain = dep({ retries: { max: 3, backoff_ms: 100, jitter: false } });
  out.backoff = [1, 2, 3].map((n) => plain.delay(n));
  const jittered = dep({ retries: { max: 3, backoff_ms: 100, jitter: true } });
  out.jitter_in_range = Array.from({ length: 200 }, () => jittered.delay(3)).every((d) => d >= 0 && d <= 400);

  process.env.X_URL = process.argv[1];  // a refused port
  const b = dep({ timeout_ms: 1000, circuit_breaker: { failure_threshold: 2, reset_timeout_ms: 300 } });
  const errors = [];
  for (let i = 0; i < 3; i++) { try { await b.request('GET', '/'); } catch (e) { errors.push(e.constructor.name); } }
  out.breaker = { errors, state: b.state, attempts: b.attempts, rejected: b.rejected };
  await sleep(350);
  out.after_reset = b.state;
  try { await b.request('GET', '/'); } catch (e) { out.trial = e.constructor.name; }
  out.after_trial = b.state;

  process.env.X_URL = process.argv[2];  // a server that never answers
  const slow = dep({ timeout_ms: 300, retries: { max: 3, backoff_ms: 50, jitter: false } });
  const started = Date.now();
  try { await slow.request('GET', '/'); } catch (e) { out.deadline_error = e.message; }
  out.deadline_elapsed_ms = Date.now() - started;
  const post = dep({ timeout_ms: 2000, fallback: 'cached', retries: { max: 2, backoff_ms: 10 } });
  process.env.X_URL = process.argv[1];
  out.fallback = await post.request('POST', '/');
  out.post_attempts = post.attempts;  // refused: nothing was sent, so even a POST is retried
  console.log(JSON.stringify(out));
})();
"""


@needs_node
def test_calls_back_off_open_the_breaker_half_open_it_and_keep_one_deadline(
    everything: Model, tmp_path: Path
) -> None:
    service = runner.extract(export_bundle(everything).to_zip(), tmp_path) / "services" / "nodejs"
    LAUNCHERS["node"](service)  # its locked dependencies (opossum...)
    refused = runner.free_port()
    frozen = runner.FrozenServer(runner.free_port())
    try:
        result = subprocess.run(
            [
                "node",
                "-e",
                RESILIENCE_SCRIPT,
                f"http://127.0.0.1:{refused}",
                f"http://127.0.0.1:{frozen.sock.getsockname()[1]}",
            ],
            cwd=service,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        frozen.close()
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backoff"] == [100, 200, 400] and out["jitter_in_range"]
    assert out["breaker"] == {
        "errors": ["CallFailed", "CallFailed", "CircuitOpen"],
        "state": "open",
        "attempts": 2,  # the third call made no network attempt
        "rejected": 1,
    }
    assert out["after_reset"] == "half-open"
    assert out["trial"] == "CallFailed" and out["after_trial"] == "open"
    assert out["deadline_error"] == "call to x failed: deadline of 300 ms exceeded"
    assert 250 <= out["deadline_elapsed_ms"] < 700  # one deadline for every attempt, not 4 x 300
    assert out["fallback"]["status"] == 200 and out["fallback"]["body"]["fallback"] == "cached"
    assert out["post_attempts"] == 3


@needs_node
@pytest.mark.integration
def test_a_missing_outbox_table_is_named_with_what_to_run(tmp_path: Path) -> None:
    from apps.archmodel.loader import model_from_data

    for kind in ("postgres", "redis"):
        if not runner.port_open(runner.SERVICES[kind]):
            pytest.skip(f"{kind} is not reachable")
    doc = event_model("redis", "postgres")
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    for name in bundle.migration_steps():  # the operator skipped the migrations
        del bundle.compose["services"][name]
    bundle.prepare_datastores()
    run = bundle.start(Path(shutil.which("python3") or "python3"), tmp_path)
    run.on_stop.append(bundle.drop_datastores)
    try:
        assert runner.wait_until(
            lambda: runner.http("GET", run.url("front", "/readyz"))[0] == 200, 60
        ), run.log("front")
        status, body = runner.http(
            "POST", run.url("front", "/_events/publish/thing-happened"), {"marker": "x"}
        )
        assert status == 503, body
        assert body["detail"] == (
            "table workbench_outbox is missing: run the service's migrations (migrations/)"
        )
    finally:
        run.stop_all()


@needs_node
def test_api_keys_are_checked_against_the_secret() -> None:
    code = """
const { ApiKeys } = require('./lib/auth');
const keys = new ApiKeys();
const out = {};
for (const k of ['k-two', 'k-three', '']) {
  try { out[k] = keys.verify(k); } catch (e) { out[k] = 'denied: ' + e.message; }
}
out.unset = new ApiKeys({}).problems();
console.log(JSON.stringify(out));
"""
    out = node_eval(code, {"API_KEYS": "k-one, k-two"})
    assert re.fullmatch(r"api-key:[0-9a-f]{12}", out["k-two"])
    assert out["k-three"] == out[""] == "denied: a valid X-API-Key is required"
    assert out["unset"] == ["API_KEYS is not set"]


@needs_node
def test_operations_of_an_api_key_api_answer_401_without_the_key(tmp_path: Path) -> None:
    from apps.archmodel.loader import model_from_data

    doc = {
        "apiVersion": "workbench/v1",
        "name": "node-auth",
        "services": [
            {
                "id": "svc",
                "runtime": "node",
                "apis": [
                    {
                        "id": "svc-api",
                        "style": "rest",
                        "auth": "api-key",
                        "operations": [{"method": "GET", "path": "/things/{id}"}],
                    }
                ],
            }
        ],
    }
    root = runner.extract(export_bundle(model_from_data(doc)).to_zip(), tmp_path)
    service = root / "services" / "svc"
    cmd = LAUNCHERS["node"](service)
    port = runner.free_port()
    proc = subprocess.Popen(
        cmd,
        cwd=service,
        env={"PATH": "/usr/bin:/bin", "PORT": str(port), "HOST": "127.0.0.1", "API_KEYS": "k1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/things/7"
    try:
        assert runner.wait_until(lambda: runner.http("GET", url)[0] in (200, 401), 60)
        status, body = runner.http("GET", url)
        assert status == 401 and body["detail"] == "a valid X-API-Key is required"
        status, body = runner.http("GET", url, headers={"X-API-Key": "k1"})
        assert status == 200 and body["identity"].startswith("api-key:"), body
        assert body["path_params"] == {"id": "7"} and body["operation"] == "GET /things/{id}"
    finally:
        proc.terminate()
        proc.wait(10)
