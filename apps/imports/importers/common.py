"""What container images, connection strings and host names say about a system: shared by
the compose and Kubernetes importers (and so by drift)."""

from __future__ import annotations

import re
from typing import Any

# Image name (last path part, without tag) → (collection, kind). Checked by prefix.
DATASTORE_IMAGES = {
    "postgres": "postgres",
    "postgis": "postgres",
    "timescaledb": "postgres",
    "cockroach": "postgres",
    "mysql": "mysql",
    "percona": "mysql",
    "mariadb": "mariadb",
    "mongo": "mongodb",
    "redis": "redis",
    "valkey": "redis",
    "keydb": "redis",
    "cassandra": "cassandra",
    "scylla": "cassandra",
    "elasticsearch": "elasticsearch",
    "opensearch": "elasticsearch",
    "couchdb": "other",
    "couchbase": "other",
    "influxdb": "other",
    "neo4j": "other",
    "memcached": "other",
    "minio": "other",
    "clickhouse": "other",
    "mssql": "other",
    "oracle": "other",
    "dynamodb": "other",
    "etcd": "other",
}
BROKER_IMAGES = {
    "rabbitmq": "rabbitmq",
    "kafka": "kafka",
    "cp-kafka": "kafka",
    "cp-server": "kafka",
    "redpanda": "kafka",
    "nats": "nats",
    "activemq": "other",
    "artemis": "other",
    "mosquitto": "other",
    "emqx": "other",
    "pulsar": "other",
    "vernemq": "other",
}
GATEWAY_IMAGES = (
    "nginx",
    "traefik",
    "envoy",
    "haproxy",
    "kong",
    "caddy",
    "httpd",
    "krakend",
    "tyk",
    "apisix",
    "openresty",
)
TOOLING_IMAGES = (
    "zookeeper",
    "cp-zookeeper",
    "prometheus",
    "grafana",
    "jaeger",
    "all-in-one",
    "zipkin",
    "otel",
    "opentelemetry-collector",
    "kibana",
    "logstash",
    "fluentd",
    "fluent-bit",
    "loki",
    "promtail",
    "adminer",
    "pgadmin4",
    "mongo-express",
    "redis-commander",
    "kafka-ui",
    "mailhog",
    "mailpit",
    "portainer",
    "cadvisor",
    "node-exporter",
    "alertmanager",
    "schema-registry",
    "cp-schema-registry",
    "busybox",
    "curl",
)
RUNTIME_IMAGES = (
    ("python", "python"),
    ("pypy", "python"),
    ("node", "node"),
    ("bun", "node"),
    ("deno", "node"),
    ("openjdk", "java"),
    ("eclipse-temurin", "java"),
    ("amazoncorretto", "java"),
    ("maven", "java"),
    ("gradle", "java"),
    ("tomcat", "java"),
    ("jetty", "java"),
    ("java", "java"),
    ("golang", "go"),
    ("go", "go"),
    ("dotnet", "dotnet"),
    ("aspnet", "dotnet"),
    ("mcr.microsoft.com/dotnet", "dotnet"),
)


def image_name(image: str) -> str:
    """``docker.io/bitnami/kafka:3.6@sha256:...`` → ``kafka``; ``confluentinc/cp-kafka`` →
    ``cp-kafka``."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def classify_image(image: str) -> tuple[str, str] | None:
    """("datastores"|"brokers"|"gateway"|"tooling"|"runtime", kind) for a well-known image."""
    name = image_name(image)
    for table, coll in ((BROKER_IMAGES, "brokers"), (DATASTORE_IMAGES, "datastores")):
        for prefix, kind in table.items():
            if name == prefix or name.startswith(prefix + "-") or name.startswith(prefix + "_"):
                return coll, kind
    if name in GATEWAY_IMAGES or any(name.startswith(g + "-") for g in GATEWAY_IMAGES):
        return "gateway", "gateway"
    if name in TOOLING_IMAGES or any(name.startswith(t) for t in ("jaeger", "otel", "grafana")):
        return "tooling", name
    runtime = runtime_of(image)
    if runtime:
        return "runtime", runtime
    return None


def runtime_of(image: str) -> str | None:
    lower = image.lower()
    name = image_name(image)
    for prefix, runtime in RUNTIME_IMAGES:
        if "/" in prefix:
            if lower.startswith(prefix):
                return runtime
        elif name == prefix or name.startswith(prefix + "-"):
            return runtime
    return None


_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?(?P<hosts>[A-Za-z0-9_.\-,:\[\]]+)"
)
_HOSTPORT = re.compile(r"^(?P<host>[A-Za-z][A-Za-z0-9_.-]*):(?P<port>\d{1,5})(?:/.*)?$")
_HOST_KEYS = (
    "HOST",
    "ADDR",
    "ADDRESS",
    "SERVER",
    "SERVERS",
    "HOSTNAME",
    "ENDPOINT",
    "URL",
    "URI",
    "SERVICE",
    "BROKERS",
    "BOOTSTRAP_SERVERS",
    "DSN",
    "NODES",
    "CONNECTION",
    "CONNECTIONSTRING",
)
GRPC_SCHEMES = {"grpc", "grpcs"}
HTTP_SCHEMES = {"http", "https", "ws", "wss"}


def hosts_in(key: str, value: Any) -> list[tuple[str, str | None]]:
    """Host names a configuration value points at, each with the URL scheme if there is one.

    ``postgres://u:p@orders-db:5432/x`` → [("orders-db", "postgres")];
    ``kafka1:9092,kafka2:9092`` → both; ``PAYMENTS_HOST=payments`` → [("payments", None)].
    """
    if not isinstance(value, str) or not value or len(value) > 2000:
        return []
    out: list[tuple[str, str | None]] = []
    for m in _URL.finditer(value):
        scheme = m.group("scheme").lower()
        for part in m.group("hosts").split(","):
            host = part.rsplit("]", 1)[-1] if "]" in part else part.split(":", 1)[0]
            if host:
                out.append((host, scheme))
    if out:
        return out
    for part in value.split(","):
        part = part.strip()
        hp = _HOSTPORT.match(part)
        if hp:
            out.append((hp.group("host"), None))
    if out:
        return out
    upper = key.upper()
    if any(upper.endswith(k) or upper.endswith("_" + k) for k in _HOST_KEYS):
        bare = value.strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,252}", bare):
            out.append((bare, None))
    return out


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else a new empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else a new empty one."""
    return value if isinstance(value, list) else []


def short_host(host: str) -> str:
    """``orders.shop.svc.cluster.local`` → ``orders``: in-cluster DNS names name a Service."""
    lower = host.lower()
    for suffix in (".svc.cluster.local", ".svc"):
        if lower.endswith(suffix):
            return host[: -len(suffix)].split(".", 1)[0]
    return host


def k8s_cpu(value: Any) -> str | None:
    """Compose ``cpus: 0.5`` → ``500m``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return f"{round(number * 1000)}m" if number > 0 else None


def k8s_memory(value: Any) -> str | None:
    """Compose ``512M`` / ``1g`` / bytes → ``512Mi`` / ``1Gi``."""
    if isinstance(value, int):
        return f"{max(1, value // (1024 * 1024))}Mi"
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG])?[iI]?[bB]?\s*", str(value))
    if not m:
        return None
    unit = (m.group(2) or "").lower()
    return {"k": f"{m.group(1)}Ki", "m": f"{m.group(1)}Mi", "g": f"{m.group(1)}Gi"}.get(
        unit, f"{max(1, int(m.group(1)) // (1024 * 1024))}Mi"
    )
