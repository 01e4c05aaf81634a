"""A running skeleton watched from outside: a real Prometheus (Debian's ``prometheus``) scrapes
its ``/metrics``, and its spans reach an OTLP/HTTP endpoint.

The scrape configuration is built from the bundle: every service whose ``spec.json`` asks for
metrics is a target at ``<service>:<port>/metrics`` (pointed at loopback here).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .test_skeleton_contract import python_venv

__all__ = ["python_venv"]  # the fixture: the contract tests' skeleton venv
pytestmark = pytest.mark.integration

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def watched_model() -> dict[str, Any]:
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "watched",
            "services": [
                {
                    "id": "watched",
                    "observability": {"logging": "central", "metrics": True, "tracing": True},
                    "apis": [
                        {
                            "id": "watched-api",
                            "style": "rest",
                            "operations": [{"method": "GET", "path": "/things/{id}"}],
                        }
                    ],
                },
                {"id": "quiet", "observability": {"metrics": False}},
            ],
        }
    )


def scrape_config(root: Path, ports: dict[str, int]) -> dict[str, Any]:
    """One job per service that asks for metrics (from its spec.json), on its test port."""
    jobs = []
    for spec_path in sorted(root.glob("services/*/app/spec.json")):
        spec = json.loads(spec_path.read_text())
        if spec["observability"]["metrics"]:
            jobs.append(
                {
                    "job_name": spec["service"],
                    "metrics_path": "/metrics",
                    "static_configs": [
                        {
                            "targets": [f"127.0.0.1:{ports[spec['service']]}"],
                            "labels": {"service": spec["service"]},
                        }
                    ],
                }
            )
    return {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"}, "scrape_configs": jobs}


def prometheus_api(port: int, path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    status, body = runner.http("GET", url)
    assert status == 200, body
    return body["data"]


def test_prometheus_scrapes_a_running_skeleton(python_venv: Path, tmp_path: Path) -> None:
    if not Path(PROMETHEUS).exists():
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    bundle = runner.Bundle(
        runner.extract(
            export_bundle(model_from_data(watched_model()), target="compose").to_zip(), tmp_path
        )
    )
    run = bundle.start(python_venv, tmp_path)
    prom_port = runner.free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(bundle.root, run.ports)))
    log = (tmp_path / "prometheus.log").open("wb")
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert runner.wait_until(
            lambda: runner.http("GET", run.url("watched", "/healthz"))[0] == 200, 60
        ), run.log("watched")
        for i in range(3):  # traffic the RED metrics count
            assert runner.http("GET", run.url("watched", f"/things/{i}"))[0] == 200

        def targets() -> list[dict[str, Any]]:
            return prometheus_api(prom_port, "targets")["activeTargets"]

        assert runner.wait_until(lambda: any(t["health"] == "up" for t in targets()), 60), (
            tmp_path / "prometheus.log"
        ).read_text()[-3000:]
        # only the service that asks for metrics is scraped
        assert {t["labels"]["job"] for t in targets()} == {"watched"}
        query = 'http_server_requests_total{route="/things/{id}",status="200"}'

        def samples() -> list[Any]:
            return prometheus_api(prom_port, "query", query=query)["result"]

        assert runner.wait_until(lambda: bool(samples()), 30), targets()
        assert float(samples()[0]["value"][1]) >= 3
        up = prometheus_api(prom_port, "query", query='up{job="watched"}')["result"]
        assert up and up[0]["value"][1] == "1"
    finally:
        prom.terminate()
        try:
            prom.wait(10)
        except subprocess.TimeoutExpired:
            prom.kill()
        log.close()
        run.stop_all()


class OtlpCollector:
    """An OTLP/HTTP endpoint that keeps the bodies posted to ``/v1/traces``."""

    def __init__(self) -> None:
        bodies: list[tuple[str, bytes]] = []
        self.bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                bodies.append((self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_spans_are_exported_over_otlp_when_an_endpoint_is_set(
    python_venv: Path, tmp_path: Path
) -> None:
    bundle = runner.Bundle(
        runner.extract(
            export_bundle(model_from_data(watched_model()), target="compose").to_zip(), tmp_path
        )
    )
    collector = OtlpCollector()
    run = bundle.start(python_venv, tmp_path)
    try:
        cmd, cwd, env = run.launch["watched"]
        run.stop("watched")
        run.spawn(
            "watched",
            cmd,
            cwd,
            {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200"},
        )
        assert runner.wait_until(
            lambda: runner.http("GET", run.url("watched", "/healthz"))[0] == 200, 60
        ), run.log("watched")
        trace_id = "5b8efff798038103d269b633813fc60c"
        status, _ = runner.http(
            "GET",
            run.url("watched", "/things/9"),
            headers={"traceparent": f"00-{trace_id}-eee19b7ec3c1b174-01"},
        )
        assert status == 200

        def exported() -> bool:
            return any(
                path == "/v1/traces" and bytes.fromhex(trace_id) in body
                for path, body in collector.bodies
            )

        assert runner.wait_until(exported, 20), (collector.bodies, run.log("watched"))
        body = next(b for p, b in collector.bodies if bytes.fromhex(trace_id) in b)
        # the server span, named by the route template, from the service that made it
        assert b"GET /things/{id}" in body and b"watched" in body
    finally:
        run.stop_all()
        collector.close()
