"""A running skeleton's spans reach an OTLP/HTTP endpoint (a real Prometheus scraping a running
skeleton with the bundle's own configuration is test_observability_scrape.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .doubles import HttpStub
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


def test_spans_are_exported_over_otlp_when_an_endpoint_is_set(
    python_venv: Path, tmp_path: Path
) -> None:
    bundle = runner.Bundle(
        runner.extract(
            export_bundle(model_from_data(watched_model()), target="compose").to_zip(), tmp_path
        )
    )
    collector = HttpStub(content_type="application/x-protobuf")  # an OTLP/HTTP collector
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
                r.path == "/v1/traces" and bytes.fromhex(trace_id) in r.body
                for r in collector.received
            )

        assert runner.wait_until(exported, 20), (collector.received, run.log("watched"))
        body = next(r.body for r in collector.received if bytes.fromhex(trace_id) in r.body)
        # the server span, named by the route template, from the service that made it
        assert b"GET /things/{id}" in body and b"watched" in body
    finally:
        run.stop_all()
        collector.close()
