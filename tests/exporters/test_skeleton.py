"""The service skeletons: the resilience helper in isolation, and the stdlib servers running."""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
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


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_skeleton_serves_health_and_modelled_routes(everything: Model, tmp_path: Path) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    run_stdlib_server(["node", "server.js"], root / "services" / "nodejs", tmp_path)


def test_stdlib_python_skeleton_serves_health_and_modelled_routes(
    everything: Model, tmp_path: Path
) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    service = root / "services" / "othersvc"
    (service / "routes.txt").write_bytes(
        export_bundle(everything).files["services/nodejs/routes.txt"]
    )  # reuse a routes file with routes
    run_stdlib_server([sys.executable, "server.py"], service, tmp_path)


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="no JDK")
def test_java_skeleton_compiles_and_serves(everything: Model, tmp_path: Path) -> None:
    root = runner.extract(export_bundle(everything).to_zip(), tmp_path)
    service = root / "services" / "javasvc"
    (service / "routes.txt").write_bytes(
        export_bundle(everything).files["services/nodejs/routes.txt"]
    )
    subprocess.run(
        ["javac", "-d", "classes", "Main.java"],
        cwd=service,
        check=True,
        capture_output=True,
        timeout=120,
    )
    time.sleep(0)
    run_stdlib_server(["java", "-cp", "classes", "Main"], service, tmp_path)
