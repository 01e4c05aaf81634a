"""The Compose profile ``observability``: containers, volumes and the files they mount.

``docker compose --profile observability up`` starts them next to the services; without the
profile, ``docker compose up`` starts the services alone. Images are pinned
(``exporters.common.images``), configs mounted read-only, UIs published on 127.0.0.1 only,
Grafana's admin password a Compose secret file like every other generated secret.
Healthchecks only where the image has a tool to run one: Prometheus (busybox ``wget``) and
Grafana (``wget``); the collector, Loki, Jaeger and Alloy images have no shell or HTTP client.
"""

from __future__ import annotations

from typing import Any

from exporters.common import yamlout
from exporters.common.images import OBSERVABILITY_IMAGES
from exporters.common.infra import GRAFANA_ADMIN_PASSWORD, Plan
from exporters.compose import HEALTH_TIMING, secret_name, secret_path

from . import configs as c
from . import dashboards

PROFILE = "observability"
DIR = "observability"
# What each UI is published on (127.0.0.1 only): the README lists them.
UI_PORTS = {"grafana": c.GRAFANA_PORT, "prometheus": c.PROMETHEUS_PORT, "jaeger": c.JAEGER_UI_PORT}


def _common(name: str) -> dict[str, Any]:
    return {"image": OBSERVABILITY_IMAGES[name], "profiles": [PROFILE]}


def _tail(entry: dict[str, Any], role: str) -> dict[str, Any]:
    entry["restart"] = "unless-stopped"
    entry["security_opt"] = ["no-new-privileges:true"]
    entry["labels"] = {"dev.workbench.role": "observability", "dev.workbench.component": role}
    return entry


def _published(port: int) -> list[str]:
    return [f"127.0.0.1:{port}:{port}"]


def services(plan: Plan) -> dict[str, Any]:
    """The profile's containers, in start order."""
    grafana_secret = secret_name(GRAFANA_ADMIN_PASSWORD)
    out: dict[str, Any] = {}
    out["otel-collector"] = _tail(
        {
            **_common("otel-collector"),
            "command": ["--config=/etc/otelcol-contrib/config.yaml"],
            "volumes": [f"./{DIR}/otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro"],
            "depends_on": {
                "jaeger": {"condition": "service_started"},
                "loki": {"condition": "service_started"},
            },
            "read_only": True,
        },
        "collector",
    )
    out["prometheus"] = _tail(
        {
            **_common("prometheus"),
            "command": [
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                "--storage.tsdb.retention.time=7d",
            ],
            "volumes": [
                f"./{DIR}/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                "prometheus-data:/prometheus",
            ],
            "ports": _published(c.PROMETHEUS_PORT),
            "healthcheck": {
                "test": [
                    "CMD",
                    "wget",
                    "-q",
                    "-O",
                    "/dev/null",
                    f"http://127.0.0.1:{c.PROMETHEUS_PORT}/-/ready",
                ],
                **HEALTH_TIMING,
            },
        },
        "metrics",
    )
    out["jaeger"] = _tail(
        {
            **_common("jaeger"),
            "environment": {"COLLECTOR_OTLP_ENABLED": "true", "MEMORY_MAX_TRACES": "100000"},
            "ports": _published(c.JAEGER_UI_PORT),
        },
        "traces",
    )
    out["loki"] = _tail(
        {
            **_common("loki"),
            "command": ["-config.file=/etc/loki/loki.yaml"],
            "volumes": [f"./{DIR}/loki/loki.yaml:/etc/loki/loki.yaml:ro", "loki-data:/loki"],
        },
        "logs",
    )
    out["alloy"] = _tail(
        {
            **_common("alloy"),
            "command": [
                "run",
                f"--server.http.listen-addr=0.0.0.0:{c.ALLOY_PORT}",
                "--storage.path=/var/lib/alloy/data",
                "/etc/alloy/config.alloy",
            ],
            # Docker's API lists the containers and streams their logs: the socket is root's.
            "user": "0:0",
            "volumes": [
                f"./{DIR}/alloy/config.alloy:/etc/alloy/config.alloy:ro",
                "/var/run/docker.sock:/var/run/docker.sock:ro",
                "alloy-data:/var/lib/alloy/data",
            ],
            "depends_on": {"loki": {"condition": "service_started"}},
        },
        "log-shipper",
    )
    out["grafana"] = _tail(
        {
            **_common("grafana"),
            "environment": {
                "GF_SECURITY_ADMIN_USER": "admin",
                "GF_SECURITY_ADMIN_PASSWORD__FILE": secret_path(GRAFANA_ADMIN_PASSWORD),
                "GF_USERS_ALLOW_SIGN_UP": "false",
                "GF_LOG_MODE": "console",
                "GF_ANALYTICS_REPORTING_ENABLED": "false",
                "GF_ANALYTICS_CHECK_FOR_UPDATES": "false",
            },
            "secrets": [grafana_secret],
            "volumes": [
                f"./{DIR}/grafana/provisioning:/etc/grafana/provisioning:ro",
                *(  # no directory to mount when no service has metrics
                    [f"./{DIR}/grafana/dashboards:{c.DASHBOARDS_PATH}:ro"]
                    if plan.metrics_services()
                    else []
                ),
                "grafana-data:/var/lib/grafana",
            ],
            "ports": _published(c.GRAFANA_PORT),
            "depends_on": {
                "prometheus": {"condition": "service_healthy"},
                "loki": {"condition": "service_started"},
                "jaeger": {"condition": "service_started"},
            },
            "healthcheck": {
                "test": [
                    "CMD",
                    "wget",
                    "-q",
                    "-O",
                    "/dev/null",
                    f"http://127.0.0.1:{c.GRAFANA_PORT}/api/health",
                ],
                **HEALTH_TIMING,
            },
        },
        "dashboards",
    )
    return out


VOLUMES = ("prometheus-data", "loki-data", "alloy-data", "grafana-data")


def files(plan: Plan) -> dict[str, bytes]:
    """The configs the profile mounts, under ``observability/``."""
    header = f"Generated by the Architecture Workbench from model '{plan.model.name}'."
    out = {
        f"{DIR}/otel-collector.yaml": yamlout.dump(c.collector_config(), header=header),
        f"{DIR}/prometheus/prometheus.yml": yamlout.dump(
            c.prometheus_compose_config(plan), header=header
        ),
        f"{DIR}/grafana/provisioning/datasources/datasources.yaml": yamlout.dump(
            c.grafana_datasources(), header=header
        ),
        f"{DIR}/grafana/provisioning/dashboards/dashboards.yaml": yamlout.dump(
            c.grafana_dashboard_provider(), header=header
        ),
        f"{DIR}/loki/loki.yaml": yamlout.dump(c.loki_config(), header=header),
        f"{DIR}/alloy/config.alloy": c.ALLOY_COMPOSE.encode(),
    }
    for service_id, content in dashboards(plan).items():
        out[f"{DIR}/grafana/dashboards/{service_id}.json"] = content
    return out
