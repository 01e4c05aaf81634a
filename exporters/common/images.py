"""Pinned base and infrastructure images (official images, patch-level tags).

Tags are pinned rather than digests because digests cannot be checked offline; bump them here,
in one place, and the golden files show the change.
"""

from __future__ import annotations

RUNTIME_IMAGES = {
    "python": "python:3.12.7-slim-bookworm",
    "node": "node:22.9.0-bookworm-slim",
    "go-build": "golang:1.23.2-bookworm",
    "go": "alpine:3.20.3",  # the Go skeleton is one static binary
    "java": "eclipse-temurin:21.0.4_7-jre",
    "java-build": "maven:3.9.9-eclipse-temurin-21",
    "dotnet-build": "mcr.microsoft.com/dotnet/sdk:8.0.403-bookworm-slim",
    "dotnet": "mcr.microsoft.com/dotnet/aspnet:8.0.10-bookworm-slim",
    "gateway": "nginxinc/nginx-unprivileged:1.27.2-alpine",
}

DATASTORE_IMAGES = {
    "postgres": "postgres:16.4-bookworm",
    "mysql": "mysql:8.4.2",
    "mariadb": "mariadb:11.4.3",
    "mongodb": "mongo:7.0.14",
    "redis": "redis:7.4.0-bookworm",
    "cassandra": "cassandra:4.1.6",
    "elasticsearch": "elasticsearch:8.15.2",
}

BROKER_IMAGES = {
    "rabbitmq": "rabbitmq:3.13.7-management",
    "kafka": "apache/kafka:3.8.0",
    "nats": "nats:2.10.21-alpine",
    "redis": "redis:7.4.0-bookworm",
}

# The observability profile (compose profile / Kubernetes component ``observability``).
OBSERVABILITY_IMAGES = {
    "otel-collector": "otel/opentelemetry-collector-contrib:0.111.0",
    "prometheus": "prom/prometheus:v2.54.1",
    "grafana": "grafana/grafana:11.2.2",
    "jaeger": "jaegertracing/all-in-one:1.62.0",
    "loki": "grafana/loki:3.2.0",
    "alloy": "grafana/alloy:v1.4.2",
}

# The user the service images run as (created in each Dockerfile; nginx-unprivileged's is 101).
APP_UID = 10001
GATEWAY_UID = 101
