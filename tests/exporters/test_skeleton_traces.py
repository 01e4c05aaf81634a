"""A running skeleton's spans reach an OTLP/HTTP endpoint (a real Prometheus scraping a running
skeleton with the bundle's own configuration is test_observability_scrape.py)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .test_skeleton_contract import python_venv

__all__ = ["python_venv"]  # the fixture: the contract tests' skeleton venv
pytestmark = pytest.mark.integration


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
