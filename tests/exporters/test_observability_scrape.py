"""A real Prometheus (Debian's) runs the bundle's own scrape configuration, unmodified.

The Compose config discovers services through Docker's DNS (``dns_sd_configs``); here
Prometheus runs in a private mount namespace whose ``/etc/resolv.conf`` names the test's DNS
server, which answers the service's name with 127.0.0.1, where the bundle's own Python skeleton
runs. It shows that discovery, the ``/metrics`` path and the ``service`` label work on a real
service, and that the Grafana dashboard's queries run against what Prometheus stored from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from exporters import export_bundle
from tests.exporters import runner
from tests.exporters.doubles import FakeDNS
from tests.exporters.test_observability import small_model

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("prometheus") is None or shutil.which("unshare") is None,
        reason="needs Debian's prometheus and unshare",
    ),
]

SERVICE_PORT = 18310  # this helper's port range (18300-18399)
PROMETHEUS_PORT = 18311
DNS_ADDRESS = "127.0.16.53"  # a loopback address of its own, so port 53 is free on it


def api(path: str, **params: str) -> dict:
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_prometheus_discovers_and_scrapes_a_service_with_the_bundles_config(
    tmp_path: Path,
) -> None:
    model = small_model(None, port=SERVICE_PORT, observability={"metrics": True})
    bundle = runner.Bundle(
        runner.extract(export_bundle(model, target="compose").to_zip(), tmp_path)
    )
    files = export_bundle(model, target="compose").files
    config = tmp_path / "prometheus.yml"
    config.write_bytes(files["observability/prometheus/prometheus.yml"])  # as shipped
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {DNS_ADDRESS}\noptions ndots:1\n")
    try:
        python = runner.skeleton_venv(bundle.requirements())
    except Exception as exc:  # no registry, no compiler...
        pytest.skip(f"cannot install the skeleton requirements: {exc}")

    dns = FakeDNS((DNS_ADDRESS, 53))
    dns.records["front"] = "127.0.0.1"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME", "TMPDIR")}
    env |= bundle.service_env("front", {"front": SERVICE_PORT, "back": runner.free_port()})
    log = tmp_path / "front.log"
    service = subprocess.Popen(
        [str(python), "-m", "app"],
        cwd=bundle.root / "services" / "front",
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{SERVICE_PORT}"
    assert runner.wait_until(lambda: runner.http("GET", f"{base}/healthz")[0] == 200, 60), (
        log.read_text()
    )
    # back is not running: two failed calls open front's breaker (failure_threshold: 2)
    for _ in range(3):
        runner.http("POST", f"{base}/_calls/back?path=/")
    command = (
        'mount --bind "$0" /etc/resolv.conf && exec prometheus "$@"'  # private mount namespace
    )
    proc = subprocess.Popen(
        [
            "unshare",
            "--mount",
            "sh",
            "-c",
            command,
            str(resolv),
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        target = None
        while time.monotonic() < deadline:
            time.sleep(1)
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                active = api("targets")["data"]["activeTargets"]
            except OSError:
                continue
            found = [t for t in active if t["labels"].get("job") == "services"]
            if found and found[0]["health"] == "up":
                target = found[0]
                break
        assert target is not None, "the service was never scraped"
        assert target["labels"]["service"] == "front"
        assert target["scrapeUrl"] == f"http://127.0.0.1:{SERVICE_PORT}/metrics"
        assert dns.queries >= 1
        # the dashboard's queries run on what was stored (rates need a second scrape: not
        # waited for; the instant ones return the skeleton's values)
        board = json.loads(files["observability/grafana/dashboards/front.json"])
        exprs = [
            t["expr"].replace("$__rate_interval", "1m")
            for p in board["panels"]
            if p["datasource"]["uid"] == "prometheus"
            for t in p["targets"]
        ]
        for expr in exprs:
            assert api("query", query=expr)["status"] == "success", expr
        (state,) = [e for e in exprs if e.startswith("max by (target) (circuit_breaker_state")]
        (series,) = api("query", query=state)["data"]["result"]
        assert series["metric"] == {"target": "back"} and series["value"][1] == "1"
        requests = api("query", query='sum(http_server_requests_total{service="front"})')
        assert float(requests["data"]["result"][0]["value"][1]) >= 1  # the health checks above
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        service.terminate()
        service.wait(timeout=10)
        dns.close()
