"""What a container is, by evidence: the full image reference, server-side environment
variables, the health command, well-known ports and the name, in that order of weight.

``classify(...)`` → ``Classification(role, kind, evidence, guess)`` where role is
``datastore``, ``broker``, ``gateway``, ``tooling`` (observability and platform tooling: not a
service of the architecture, but evidence about the services that use it) or ``service``.
Every classification says what it rests on; one resting only on ports or a name is a guess.
Shared by the compose and Kubernetes importers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .common import BROKER_IMAGES, DATASTORE_IMAGES, GATEWAY_IMAGES, RUNTIME_IMAGES

# Full image paths (registry and tag removed) → (role, kind). Checked before the last segment.
FULL_IMAGES: dict[str, tuple[str, str]] = {
    "mssql/server": ("datastore", "other"),
    "azure-sql-edge": ("datastore", "other"),
    "bitnami/kafka": ("broker", "kafka"),
    "apache/kafka": ("broker", "kafka"),
    "confluentinc/cp-kafka": ("broker", "kafka"),
    "confluentinc/cp-server": ("broker", "kafka"),
    "envoyproxy/envoy": ("gateway", "envoy"),
    "datalust/seq": ("tooling", "logging"),
    "hashicorp/consul": ("tooling", "discovery"),
    "openzipkin/zipkin": ("tooling", "tracing"),
    "jaegertracing/all-in-one": ("tooling", "tracing"),
    "jaegertracing/jaeger": ("tooling", "tracing"),
    "grafana/tempo": ("tooling", "tracing"),
    "grafana/grafana": ("tooling", "dashboards"),
    "grafana/loki": ("tooling", "logging"),
    "grafana/alloy": ("tooling", "logging"),
    "grafana/k6": ("tooling", "load generator"),
    "locustio/locust": ("tooling", "load generator"),
    "opensearchproject/opensearch-dashboards": ("tooling", "dashboards"),
    "steeltoeoss/eureka-server": ("tooling", "discovery"),
    "springcloud/eureka": ("tooling", "discovery"),
    "flagd": ("service", ""),
}
# Last path segment (prefix) → tooling category.
TOOLING: dict[str, str] = {
    "opentelemetry-collector": "tracing",
    "otelcol": "tracing",
    "otel-collector": "tracing",
    "jaeger": "tracing",
    "all-in-one": "tracing",
    "zipkin": "tracing",
    "tempo": "tracing",
    "prometheus": "metrics",
    "alertmanager": "metrics",
    "node-exporter": "metrics",
    "cadvisor": "metrics",
    "pushgateway": "metrics",
    "grafana": "dashboards",
    "kibana": "dashboards",
    "loki": "logging",
    "promtail": "logging",
    "alloy": "logging",
    "seq": "logging",
    "logstash": "logging",
    "fluentd": "logging",
    "fluent-bit": "logging",
    "filebeat": "logging",
    "consul": "discovery",
    "eureka": "discovery",
    "zookeeper": "coordination",
    "cp-zookeeper": "coordination",
    "schema-registry": "schema registry",
    "cp-schema-registry": "schema registry",
    "locust": "load generator",
    "k6": "load generator",
    "adminer": "admin UI",
    "pgadmin4": "admin UI",
    "mongo-express": "admin UI",
    "redis-commander": "admin UI",
    "redisinsight": "admin UI",
    "kafka-ui": "admin UI",
    "kafdrop": "admin UI",
    "mailhog": "mail catcher",
    "mailpit": "mail catcher",
    "portainer": "admin UI",
    "busybox": "utility",
    "tiny-tools": "utility",
    "load-test": "load generator",
    "curl": "utility",
}
# Service names (whole name or a dash/underscore-separated part) that say tooling.
TOOLING_NAMES: dict[str, str] = {
    "otel-collector": "tracing",
    "otelcol": "tracing",
    "otel-col": "tracing",
    "opentelemetry-collector": "tracing",
    "jaeger": "tracing",
    "zipkin": "tracing",
    "tracing-server": "tracing",
    "prometheus": "metrics",
    "prometheus-server": "metrics",
    "grafana": "dashboards",
    "grafana-server": "dashboards",
    "kibana": "dashboards",
    "loki": "logging",
    "seq": "logging",
    "consul": "discovery",
    "eureka": "discovery",
    "discovery-server": "discovery",
    "registry-server": "discovery",
    "config-server": "configuration",
    "opamp": "telemetry agent management",
    "config": "configuration",
    "registry": "discovery",
    "monitoring": "dashboards",
    "turbine": "metrics",
    "hystrix-dashboard": "dashboards",
    "opamp-server": "telemetry agent management",
    "admin-server": "admin UI",
    "load-generator": "load generator",
    "loadgenerator": "load generator",
    "locust": "load generator",
}
GATEWAY_NAME_PARTS = (
    "gateway", "apigw", "gw", "proxy", "ingress", "edge", "bff", "apache", "nginx", "haproxy",
    "traefik", "envoy", "kong",
)  # fmt: skip
# Environment variables only a server of that kind sets on itself.
SERVER_ENV: tuple[tuple[str, str, str], ...] = (
    ("POSTGRES_PASSWORD", "datastore", "postgres"),
    ("POSTGRES_DB", "datastore", "postgres"),
    ("PGDATA", "datastore", "postgres"),
    ("MYSQL_ROOT_PASSWORD", "datastore", "mysql"),
    ("MYSQL_ALLOW_EMPTY_PASSWORD", "datastore", "mysql"),
    ("MYSQL_RANDOM_ROOT_PASSWORD", "datastore", "mysql"),
    ("MARIADB_ROOT_PASSWORD", "datastore", "mariadb"),
    ("MONGO_INITDB_ROOT_USERNAME", "datastore", "mongodb"),
    ("MONGO_INITDB_DATABASE", "datastore", "mongodb"),
    ("MSSQL_SA_PASSWORD", "datastore", "other"),
    ("SA_PASSWORD", "datastore", "other"),
    ("KAFKA_BROKER_ID", "broker", "kafka"),
    ("KAFKA_NODE_ID", "broker", "kafka"),
    ("KAFKA_PROCESS_ROLES", "broker", "kafka"),
    ("KAFKA_ADVERTISED_LISTENERS", "broker", "kafka"),
    ("KAFKA_CONTROLLER_QUORUM_VOTERS", "broker", "kafka"),
    ("RABBITMQ_DEFAULT_USER", "broker", "rabbitmq"),
    ("RABBITMQ_ERLANG_COOKIE", "broker", "rabbitmq"),
    ("ENVOY_PORT", "gateway", "envoy"),
)
# Environment variables only tooling sets on itself.
TOOLING_ENV = (("HEALTHCHECKSUI__", "health dashboard"),)
HEALTH_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("pg_isready", "datastore", "postgres"),
    ("redis-cli", "datastore", "redis"),
    ("valkey-cli", "datastore", "redis"),
    ("mariadb-admin", "datastore", "mariadb"),
    ("mysqladmin", "datastore", "mysql"),
    ("mongosh", "datastore", "mongodb"),
    ("mongo ", "datastore", "mongodb"),
    ("cqlsh", "datastore", "cassandra"),
    ("_cluster/health", "datastore", "elasticsearch"),
    ("sqlcmd", "datastore", "other"),
    ("rabbitmq-diagnostics", "broker", "rabbitmq"),
    ("rabbitmqctl", "broker", "rabbitmq"),
    ("kafka-topics", "broker", "kafka"),
    ("kafka-broker-api-versions", "broker", "kafka"),
)
PORTS: dict[int, tuple[str, str]] = {
    5432: ("datastore", "postgres"),
    3306: ("datastore", "mysql"),
    27017: ("datastore", "mongodb"),
    6379: ("datastore", "redis"),
    9042: ("datastore", "cassandra"),
    9200: ("datastore", "elasticsearch"),
    1433: ("datastore", "other"),
    9092: ("broker", "kafka"),
    5672: ("broker", "rabbitmq"),
    4222: ("broker", "nats"),
}
NAME_KINDS: tuple[tuple[str, str, str], ...] = (
    ("postgres", "datastore", "postgres"),
    ("postgresql", "datastore", "postgres"),
    ("mysql", "datastore", "mysql"),
    ("mariadb", "datastore", "mariadb"),
    ("mongo", "datastore", "mongodb"),
    ("mongodb", "datastore", "mongodb"),
    ("redis", "datastore", "redis"),
    ("valkey", "datastore", "redis"),
    ("cassandra", "datastore", "cassandra"),
    ("elasticsearch", "datastore", "elasticsearch"),
    ("kafka", "broker", "kafka"),
    ("rabbitmq", "broker", "rabbitmq"),
    ("rabbit", "broker", "rabbitmq"),
    ("nats", "broker", "nats"),
    ("memcached", "datastore", "other"),
    ("db", "datastore", "other"),
    ("database", "datastore", "other"),
)
NOT_A_STORE = (
    "service",
    "svc",
    "api",
    "ui",
    "exporter",
    "admin",
    "commander",
    "express",
    "insight",
    "proxy",
    "client",
    "web",
    "app",
    "worker",
)
RUNTIME_ENV: tuple[tuple[str, str], ...] = (
    ("JAVA_OPTS", "java"),
    ("JAVA_TOOL_OPTIONS", "java"),
    ("JVM_OPTS", "java"),
    ("SPRING_PROFILES_ACTIVE", "java"),
    ("ASPNETCORE_ENVIRONMENT", "dotnet"),
    ("ASPNETCORE_URLS", "dotnet"),
    ("DOTNET_", "dotnet"),
    ("NODE_ENV", "node"),
    ("NODE_OPTIONS", "node"),
    ("DJANGO_SETTINGS_MODULE", "python"),
    ("FLASK_APP", "python"),
    ("PYTHONUNBUFFERED", "python"),
    ("GIN_MODE", "go"),
    ("GOMAXPROCS", "go"),
)
RUNTIME_COMMANDS: tuple[tuple[str, str], ...] = (
    (r"^(node|npm|yarn|pnpm|npx)\b", "node"),
    (r"^java\b", "java"),
    (r"^(python3?|gunicorn|uvicorn|celery|flask)\b", "python"),
    (r"^dotnet\b", "dotnet"),
)


@dataclass
class Classification:
    role: str  # datastore | broker | gateway | tooling | service
    kind: str = ""
    evidence: list[str] = field(default_factory=list)
    guess: bool = False
    runtime: str | None = None
    runtime_evidence: str = ""

    def describe(self) -> str:
        what = {"datastore": "datastore", "broker": "broker", "gateway": "gateway"}.get(
            self.role, self.role
        )
        kind = f" ({self.kind})" if self.kind else ""
        return f"{what}{kind} by {', '.join(self.evidence) or 'default'}"


def image_path(image: str) -> str:
    """``ghcr.io/open-telemetry/demo:2.0-ad`` → ``open-telemetry/demo``;
    ``docker.io/library/redis:7`` → ``redis``."""
    ref = image.split("@", 1)[0].strip().lower()
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts and parts[0] == "library":
        parts = parts[1:]
    if parts:
        parts[-1] = parts[-1].split(":", 1)[0]
    return "/".join(parts)


def _starts(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith((prefix + "-", prefix + "_"))


def _by_image(image: str) -> tuple[str, str] | None:
    path = image_path(image)
    if not path:
        return None
    for full, found in FULL_IMAGES.items():
        if path == full or path.endswith("/" + full) or path.startswith(full + "/"):
            return found if found[0] != "service" else None
    last = path.rsplit("/", 1)[-1]
    if "opentelemetry-collector" in path or last.startswith("otel"):
        return "tooling", "tracing"
    for prefix, kind in BROKER_IMAGES.items():
        if _starts(last, prefix):
            return "broker", kind
    for prefix, kind in DATASTORE_IMAGES.items():
        if _starts(last, prefix):
            return "datastore", kind
    for prefix, category in TOOLING.items():
        if _starts(last, prefix):
            return "tooling", category
    if any(_starts(last, g) for g in GATEWAY_IMAGES):
        return "gateway", last.split("-", 1)[0]
    return None


def _name_parts(name: str) -> list[str]:
    return [p for p in re.split(r"[-_.]", name.lower()) if p]


HEALTH_RUNTIMES: tuple[tuple[str, str], ...] = (
    (r"(^|[\s/])node(js)?\b", "node"),
    (r"(^|[\s/])python3?\b", "python"),
    (r"(^|[\s/])java\b", "java"),
    (r"(^|[\s/])dotnet\b", "dotnet"),
)


def runtime_from(
    image: str,
    env: dict[str, str],
    command: str,
    build_args: dict[str, str],
    health: str = "",
) -> tuple[str | None, str]:
    """(runtime, evidence) from the base image, the environment, the command or build args."""
    if image:
        lower = image_path(image)
        last = lower.rsplit("/", 1)[-1]
        for prefix, runtime in RUNTIME_IMAGES:
            if ("/" in prefix and image.lower().startswith(prefix)) or (
                "/" not in prefix and _starts(last, prefix)
            ):
                return runtime, f"image '{image}'"
        if lower.startswith("springcommunity/") or "spring" in last:
            return "java", f"image '{image}' (Spring)"
    for key in [*env, *build_args]:
        for prefix, runtime in RUNTIME_ENV:
            if key.upper().startswith(prefix):
                return runtime, f"environment {key}"
        if "JAVA_AGENT" in key.upper():
            return "java", f"{key}"
    text = command.strip()
    for pattern, runtime in RUNTIME_COMMANDS:
        if re.search(pattern, text):
            return runtime, f"command '{text[:40]}'"
    for pattern, runtime in HEALTH_RUNTIMES:
        if re.search(pattern, health):
            return runtime, f"health command '{health.strip()[:40]}'"
    return None, ""


def classify(
    name: str,
    image: str = "",
    *,
    env: dict[str, str] | None = None,
    ports: list[int] | None = None,
    health: str = "",
    command: str = "",
    built: bool = False,
    build_args: dict[str, str] | None = None,
) -> Classification:
    env = env or {}
    lname = name.lower()
    found = _by_image(image) if image else None
    if found:
        c = Classification(found[0], found[1], [f"image '{image}'"])
        return _with_runtime(c, image, env, command, build_args, health)
    for key in env:
        for prefix, category in TOOLING_ENV:
            if key.upper().startswith(prefix):
                return Classification("tooling", category, [f"environment {key}"])
    for key, role, kind in SERVER_ENV:
        if key in env and not _client_env(env, key):
            return Classification(role, kind, [f"environment {key}"])
    for text, role, kind in HEALTH_COMMANDS:
        if text in health:
            return Classification(role, kind, [f"health command '{text.strip()}'"])
    for tname, category in TOOLING_NAMES.items():
        if lname == tname or _starts(lname, tname) or lname.endswith("-" + tname):
            return Classification("tooling", category, [f"name '{name}'"], guess=True)
    parts = _name_parts(name)
    if any(p in GATEWAY_NAME_PARTS for p in parts) or "apigw" in lname or lname.endswith("gw"):
        c = Classification("gateway", "", [f"name '{name}'"], guess=True)
        return _with_runtime(c, image, env, command, build_args, health)
    if not built:
        for port in ports or []:
            if port in PORTS:
                role, kind = PORTS[port]
                return Classification(role, kind, [f"well-known port {port}"], guess=True)
    # A name made of a datastore or broker word (``mysql``, ``auth-mongodb``), even when built
    # from a local Dockerfile; never a name that also says service/api/ui/exporter.
    if not any(p in NOT_A_STORE for p in parts):
        for token, role, kind in NAME_KINDS:
            if token in parts and (not built or parts[-1] == token):
                return Classification(role, kind, [f"name '{name}'"], guess=True)
    c = Classification("service")
    return _with_runtime(c, image, env, command, build_args, health)


def _client_env(env: dict[str, str], key: str) -> bool:
    """POSTGRES_PASSWORD next to POSTGRES_HOST is a client's configuration, not a server's."""
    prefix = key.split("_", 1)[0]
    return any(k.startswith(prefix) and k.endswith(("_HOST", "_URL", "_ADDR")) for k in env)


def _with_runtime(
    c: Classification,
    image: str,
    env: dict[str, str],
    command: str,
    build_args: dict[str, str] | None,
    health: str = "",
) -> Classification:
    if c.role in ("service", "gateway"):
        c.runtime, c.runtime_evidence = runtime_from(image, env, command, build_args or {}, health)
    return c
