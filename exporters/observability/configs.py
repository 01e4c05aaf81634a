"""The observability stack's configuration files, as data (YAML/JSON serialised, never templated).

The same collector config and Grafana provisioning serve Compose and Kubernetes: the stack's
names (``otel-collector``, ``prometheus``, ``jaeger``, ``loki``) resolve in both, on the Compose
project network and as Services in the namespace. Prometheus discovers its targets differently
(Docker DNS vs the Kubernetes API), so its config has a flavour per target. The Alloy configs are
constants: discovery is dynamic, so no model value ever reaches Alloy's own syntax.
"""

from __future__ import annotations

from typing import Any

from exporters.common.infra import Plan

# Ports of the stack (the images' defaults).
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
COLLECTOR_METRICS_PORT = 8888
COLLECTOR_HEALTH_PORT = 13133
PROMETHEUS_PORT = 9090
GRAFANA_PORT = 3000
JAEGER_UI_PORT = 16686
LOKI_PORT = 3100
ALLOY_PORT = 12345

SCRAPE_INTERVAL = "15s"


def collector_config() -> dict[str, Any]:
    """OTLP in (gRPC and HTTP), traces to Jaeger over OTLP, logs to Loki's native OTLP endpoint.

    Receivers listen on 0.0.0.0 explicitly (the collector's default is localhost since 0.104).
    """
    pipeline = {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"]}
    return {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": {
            "memory_limiter": {
                "check_interval": "1s",
                "limit_percentage": 80,
                "spike_limit_percentage": 25,
            },
            "batch": {},
        },
        "exporters": {
            "otlp/jaeger": {"endpoint": f"jaeger:{OTLP_GRPC_PORT}", "tls": {"insecure": True}},
            "otlphttp/loki": {"endpoint": f"http://loki:{LOKI_PORT}/otlp"},
        },
        "extensions": {"health_check": {"endpoint": f"0.0.0.0:{COLLECTOR_HEALTH_PORT}"}},
        "service": {
            "extensions": ["health_check"],
            "telemetry": {"metrics": {"address": f"0.0.0.0:{COLLECTOR_METRICS_PORT}"}},
            "pipelines": {
                "traces": {**pipeline, "exporters": ["otlp/jaeger"]},
                "logs": {**pipeline, "exporters": ["otlphttp/loki"]},
            },
        },
    }


def _stack_jobs() -> list[dict[str, Any]]:
    return [
        {
            "job_name": "otel-collector",
            "static_configs": [{"targets": [f"otel-collector:{COLLECTOR_METRICS_PORT}"]}],
        },
        {
            "job_name": "prometheus",
            "static_configs": [{"targets": [f"localhost:{PROMETHEUS_PORT}"]}],
        },
    ]


def prometheus_compose_config(plan: Plan) -> dict[str, Any]:
    """Every service with ``metrics: true`` at ``<service>:<port>/metrics``.

    Targets come from Docker's DNS (``dns_sd_configs``, A records) rather than fixed
    ``host:port`` pairs, so every replica of a scaled service is its own target (a static
    target would hit one replica at random per scrape and mix their counters). The ``service``
    label is the model id: the dashboards select on it.
    """
    by_port: dict[int, list[str]] = {}
    for svc in plan.metrics_services():
        by_port.setdefault(svc.port, []).append(svc.id)
    jobs: list[dict[str, Any]] = []
    if by_port:
        jobs.append(
            {
                "job_name": "services",
                "metrics_path": "/metrics",
                "dns_sd_configs": [
                    {"names": names, "type": "A", "port": port, "refresh_interval": "15s"}
                    for port, names in sorted(by_port.items())
                ],
                "relabel_configs": [
                    {"source_labels": ["__meta_dns_name"], "target_label": "service"}
                ],
            }
        )
    return _prometheus(jobs)


def prometheus_kubernetes_config() -> dict[str, Any]:
    """Pods of the namespace annotated ``prometheus.io/scrape: "true"`` (the Deployments of
    services with ``metrics: true``), at the annotated port and path; the ``service`` label is
    the pod's ``app.kubernetes.io/name`` (the model id). Needs the Role to list pods."""
    annotation = "__meta_kubernetes_pod_annotation_prometheus_io_"
    jobs = [
        {
            "job_name": "services",
            "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"own_namespace": True}}],
            "relabel_configs": [
                {"source_labels": [f"{annotation}scrape"], "action": "keep", "regex": "true"},
                {
                    "source_labels": [f"{annotation}path"],
                    "action": "replace",
                    "regex": "(.+)",
                    "target_label": "__metrics_path__",
                },
                {
                    "source_labels": ["__address__", f"{annotation}port"],
                    "action": "replace",
                    "regex": r"([^:]+)(?::\d+)?;(\d+)",
                    "replacement": "$1:$2",
                    "target_label": "__address__",
                },
                {
                    "source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                    "target_label": "service",
                },
                {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            ],
        }
    ]
    return _prometheus(jobs)


def _prometheus(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": jobs + _stack_jobs(),
    }


def loki_config() -> dict[str, Any]:
    """Single-process Loki on the filesystem under ``/loki``: TSDB and schema v13, which
    structured metadata (``trace_id``) and the native OTLP endpoint need (the image's own
    config is schema v11), 7 days' retention, no usage reporting."""
    return {
        "auth_enabled": False,
        "server": {"http_listen_port": LOKI_PORT, "grpc_listen_port": 9096, "log_level": "warn"},
        "common": {
            "instance_addr": "127.0.0.1",
            "path_prefix": "/loki",
            "storage": {
                "filesystem": {
                    "chunks_directory": "/loki/chunks",
                    "rules_directory": "/loki/rules",
                }
            },
            "replication_factor": 1,
            "ring": {"kvstore": {"store": "inmemory"}},
        },
        "schema_config": {
            "configs": [
                {
                    "from": "2024-04-01",
                    "store": "tsdb",
                    "object_store": "filesystem",
                    "schema": "v13",
                    "index": {"prefix": "index_", "period": "24h"},
                }
            ]
        },
        "limits_config": {"allow_structured_metadata": True, "retention_period": "168h"},
        "compactor": {
            "working_directory": "/loki/compactor",
            "retention_enabled": True,
            "delete_request_store": "filesystem",
        },
        "analytics": {"reporting_enabled": False},
    }


def grafana_datasources() -> dict[str, Any]:
    """Prometheus (default), Jaeger and Loki, with fixed uids the dashboards refer to.

    Loki's derived field turns a JSON log line's ``trace_id`` into a link to the trace in
    Jaeger. ``$$`` is Grafana's escape for a literal ``$`` in provisioning files (it expands
    ``$NAME`` from its environment).
    """
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": "prometheus",
                "type": "prometheus",
                "access": "proxy",
                "url": f"http://prometheus:{PROMETHEUS_PORT}",
                "isDefault": True,
                "editable": False,
            },
            {
                "name": "Jaeger",
                "uid": "jaeger",
                "type": "jaeger",
                "access": "proxy",
                "url": f"http://jaeger:{JAEGER_UI_PORT}",
                "editable": False,
            },
            {
                "name": "Loki",
                "uid": "loki",
                "type": "loki",
                "access": "proxy",
                "url": f"http://loki:{LOKI_PORT}",
                "editable": False,
                "jsonData": {
                    "derivedFields": [
                        {
                            "name": "trace_id",
                            "matcherRegex": r'"trace_id":\s*"([0-9a-f]{32})"',
                            "url": "$${__value.raw}",
                            "datasourceUid": "jaeger",
                        }
                    ]
                },
            },
        ],
    }


DASHBOARDS_PATH = "/etc/grafana/dashboards"


def grafana_dashboard_provider() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "services",
                "folder": "Services",
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "options": {"path": DASHBOARDS_PATH},
            }
        ],
    }


# Grafana Alloy, the log shipper. Compose: Docker's API (the socket, read-only mount) lists the
# project's containers and streams their stdout/stderr, labelled with the Compose service name
# (the model id); Kubernetes: one Alloy per node tails its node's pods of the namespace through
# the Kubernetes API (no hostPath, no root). JSON lines (``logging: central``) give ``level`` as
# a label and ``trace_id`` as structured metadata (Grafana links it to the trace).
_ALLOY_JSON_AND_WRITE = """
loki.process "json" {
  forward_to = [loki.write.default.receiver]

  stage.json {
    expressions = { level = "level", trace_id = "trace_id" }
  }

  stage.labels {
    values = { level = "" }
  }

  stage.structured_metadata {
    values = { trace_id = "" }
  }
}

loki.write "default" {
  endpoint {
    url = "http://loki:3100/loki/api/v1/push"
  }
}
"""

ALLOY_COMPOSE = (
    """// Generated by the Architecture Workbench: ships the Compose project's container logs to Loki.
discovery.docker "containers" {
  host = "unix:///var/run/docker.sock"

  filter {
    name   = "label"
    values = ["dev.workbench.element"]
  }
}

discovery.relabel "containers" {
  targets = []

  rule {
    source_labels = ["__meta_docker_container_label_com_docker_compose_service"]
    target_label  = "service"
  }

  rule {
    source_labels = ["__meta_docker_container_label_com_docker_compose_project"]
    target_label  = "project"
  }

  rule {
    source_labels = ["__meta_docker_container_name"]
    regex         = "/(.*)"
    target_label  = "container"
  }
}

loki.source.docker "containers" {
  host          = "unix:///var/run/docker.sock"
  targets       = discovery.docker.containers.targets
  relabel_rules = discovery.relabel.containers.rules
  forward_to    = [loki.process.json.receiver]
}
"""
    + _ALLOY_JSON_AND_WRITE
)

ALLOY_KUBERNETES = (
    """// Generated by the Architecture Workbench: ships this node's pods' logs to Loki.
discovery.kubernetes "pods" {
  role = "pod"

  namespaces {
    own_namespace = true
  }

  selectors {
    role  = "pod"
    field = "spec.nodeName=" + env("NODE_NAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "service"
  }

  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.json.receiver]
}
"""
    + _ALLOY_JSON_AND_WRITE
)
