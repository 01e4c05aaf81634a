"""Pure readings of compose configuration values: connection strings and database URLs, the
environment keys that name tracing or a registry, what a client's settings say of a datastore's
kind, and the name stems that pair a service with its store (``ts-auth-service`` /
``ts-auth-mongo``)."""

from __future__ import annotations

import re

TRACING_ENV = (
    "OTEL_EXPORTER_OTLP",
    "OTEL_EXPORTER_JAEGER",
    "OTEL_EXPORTER_ZIPKIN",
    "ZIPKIN",
    "JAEGER_",
    "MANAGEMENT_ZIPKIN",
    "SPRING_ZIPKIN",
    "MANAGEMENT_OTLP",
)
REGISTRY_ENV = ("EUREKA_", "CONSUL_", "SPRING_CLOUD_CONSUL", "SPRING_CLOUD_DISCOVERY")
_CONN_HOST = ("server", "host", "data source", "address", "addr", "hostname")
_CONN_DB = ("database", "initial catalog", "db")


def connection_string(value: str) -> tuple[str, str] | None:
    """``Server=sqldata;Database=CatalogDb;User Id=sa`` → ("sqldata", "CatalogDb");
    ``Host=postgres;Database=orders`` likewise (ADO.NET / Npgsql style)."""
    if ";" not in value or "=" not in value:
        return None
    parts = {}
    for item in value.split(";"):
        k, sep, v = item.partition("=")
        if sep:
            parts[k.strip().lower()] = v.strip()
    host = next((parts[k] for k in _CONN_HOST if parts.get(k)), None)
    db = next((parts[k] for k in _CONN_DB if parts.get(k)), None)
    if not host or not db:
        return None
    host = re.sub(r"^tcp:", "", host, flags=re.I).split(",")[0].split(":")[0].strip()
    return (host, db) if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", host) else None


_DB_URL = re.compile(
    r"^(postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|sqlserver|jdbc:[a-z]+)://"
    r"(?:[^@/\s]*@)?(?P<host>[A-Za-z][A-Za-z0-9_.-]*)(?::\d+)?/(?P<db>[A-Za-z_][A-Za-z0-9_.-]*)"
)


def database_url(value: str) -> tuple[str, str] | None:
    """``postgres://u:p@orders-db:5432/orders?x`` → ("orders-db", "orders")."""
    m = _DB_URL.match(value.strip())
    return (m.group("host"), m.group("db")) if m else None


CLIENT_HINTS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "mongodb": "mongodb",
    "redis": "redis",
}
CLIENT_PREFIXES = (
    ("MONGO", "mongodb"),
    ("MYSQL", "mysql"),
    ("POSTGRES", "postgres"),
    ("PG", "postgres"),
    ("REDIS", "redis"),
    ("CASSANDRA", "cassandra"),
)
SERVICE_WORDS = ("service", "svc", "api", "app", "server")
STORE_WORDS = (
    "db",
    "database",
    "mongo",
    "mongodb",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "pg",
    "redis",
    "cache",
    "store",
    "data",
    "cassandra",
    "sql",
    "memcached",
)


def stem(ident: str, words: tuple[str, ...]) -> str:
    """``ts-auth-mongo`` → ``ts-auth``; ``orders-service`` → ``orders``."""
    parts = ident.split("-")
    while len(parts) > 1 and parts[-1] in words:
        parts.pop()
    return "-".join(parts)
