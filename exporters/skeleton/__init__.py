"""Per-service code: ``services/<id>/`` with a Dockerfile and a working skeleton in its runtime.

- python: FastAPI + uvicorn in full (health, readiness on its datastores and brokers, a stub per
  operation, resilient calls, events on the modelled broker): ``files/python``;
- node: Fastify in full, the same contract as the Python one (docs/skeletons.md), with its
  package-lock.json: ``files/node``;
- go: net/http in full, the same contract as the Python one (``files/go``: spec.json read at
  start-up; Prometheus client_golang, OpenTelemetry, amqp091-go, nats.go, redigo, lib/pq,
  go-sql-driver/mysql, go-jose; go.mod pins the versions Debian packages);
- java: Spring Boot 3 + Resilience4j + Micrometer (``files/java``), .NET: an 8.0 minimal API +
  Polly + prometheus-net + OpenTelemetry (``files/dotnet``), both keeping the whole contract of
  docs/skeletons.md from ``spec.json``;
- other: the same on the Python standard library;
- ``migrations/`` for a service that keeps an outbox or processed-message table in its SQL
  datastore (``migrations.py``), whatever its runtime;
- gateway: nginx configured from the routes (``gateway.py``), and next to a gateway with
  authenticated routes its verifier ``<gateway>-auth`` (``files/verifier``: JWTs against the
  issuer's JWKS, API keys against a secret; nginx asks it through ``auth_request``).
The model reaches the code as data (``spec.json`` / ``routes.txt``), never as generated source.
"""

from __future__ import annotations

from pathlib import Path

from apps.archmodel.types import Service
from exporters.common.infra import Plan

from . import dockerfiles
from .gateway import check_routes, nginx_conf
from .migrations import migrations_of
from .spec import dump_spec, health_paths, routes_txt, service_spec

FILES = Path(__file__).parent / "files"

# Direct dependencies of the Python skeleton, pinned; drivers are added only when modelled.
# PyJWT (+ cryptography for RS/ES/PS signatures) verifies tokens in services and the verifier.
PY_AUTH = ["PyJWT==2.15.1", "cryptography==50.0.2"]
# prometheus-client serves /metrics; the OpenTelemetry SDK and its OTLP/HTTP exporter trace
# (no auto-instrumentation packages: the skeleton makes its few spans itself, see
# app/observability.py).
PY_OBSERVABILITY = [
    "prometheus-client==0.26.0",
    "opentelemetry-api==1.45.2",
    "opentelemetry-sdk==1.45.2",
    "opentelemetry-exporter-otlp-proto-http==1.45.2",
]
PY_BASE = [
    "fastapi==0.165.0",
    "uvicorn==0.54.0",
    "httpx==0.28.1",
    *PY_AUTH,
    *PY_OBSERVABILITY,
]
PY_DATASTORE = {
    "postgres": ["asyncpg==0.32.0"],
    "mysql": ["aiomysql==0.3.2", "PyMySQL==1.2.4"],
    "mariadb": ["aiomysql==0.3.2", "PyMySQL==1.2.4"],
    "mongodb": ["motor==3.7.1"],
    "redis": ["redis==8.1.0"],
}
PY_BROKER = {
    "rabbitmq": ["aio-pika==10.2.1"],
    "kafka": ["aiokafka==0.14.0"],
    "nats": ["nats-py==2.16.0"],
    "redis": ["redis==8.1.0"],
}


def _tree(runtime: str) -> list[str]:
    """Every file of a runtime's skeleton, relative to its folder, sorted."""
    root = FILES / runtime
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


NODE_LIB = [
    "auth.js",
    "config.js",
    "datastores.js",
    "messaging.js",
    "outbox.js",
    "resilience.js",
    "telemetry.js",
]
STATIC = {
    "node": [
        "package.json",
        "package-lock.json",
        "server.js",
        *(f"lib/{name}" for name in NODE_LIB),
    ],
    "go": ["go.mod", *sorted(p.name for p in (FILES / "go").glob("*.go"))],
    "java": _tree("java"),  # Spring Boot: pom.xml, src/main/...
    "dotnet": _tree("dotnet"),  # .NET 8 minimal API: Service.csproj, *.cs
    "other": [],
}
DOCKERIGNORE = b"**/__pycache__\n**/*.pyc\n.env\n"


def _read(*parts: str) -> bytes:
    return FILES.joinpath(*parts).read_bytes()


def python_requirements(spec: dict | None) -> bytes:
    if spec is None:  # the gateway's verifier
        reqs = list(PY_AUTH)
        lines = ["# Pinned direct dependencies of the gateway's verifier (python:3.12)."]
        return ("\n".join(lines + sorted(reqs, key=str.lower)) + "\n").encode()
    reqs = list(PY_BASE)
    for ds in spec["datastores"]:
        reqs += PY_DATASTORE.get(ds["kind"], [])
    for br in spec["brokers"]:
        reqs += PY_BROKER.get(br["kind"], [])
    lines = ["# Pinned direct dependencies of the generated skeleton (python:3.12)."]
    return ("\n".join(lines + sorted(dict.fromkeys(reqs), key=str.lower)) + "\n").encode()


class SkeletonTarget:
    """Produces ``services/<id>/...`` for every exported service (service, gateway, worker)."""

    name = "skeleton"

    def files(self, plan: Plan, problems: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for svc in plan.services:
            base = f"services/{svc.id}"
            mine: list[str] = []
            if svc.kind == "gateway":
                check_routes(svc, mine)
                problems.extend(mine)
                if mine:
                    continue
                out[f"{base}/nginx.conf"] = nginx_conf(plan, svc, dynamic_dns=True).encode()
                out[f"{base}/Dockerfile"] = dockerfiles.gateway(svc.id, svc.port).encode()
                continue
            if svc.id in plan.verifiers:
                out[f"{base}/app/__init__.py"] = _read("python", "app", "__init__.py")
                out[f"{base}/app/auth.py"] = _read("python", "app", "auth.py")
                out[f"{base}/verifier.py"] = _read("verifier", "verifier.py")
                out[f"{base}/requirements.txt"] = python_requirements(None)
                out[f"{base}/Dockerfile"] = dockerfiles.verifier(svc.id, svc.port).encode()
                out[f"{base}/.dockerignore"] = DOCKERIGNORE
                continue
            spec = service_spec(plan, svc, mine)
            problems.extend(mine)
            if mine:
                continue
            out.update(self._runtime_files(base, svc, spec))
            out[f"{base}/.dockerignore"] = DOCKERIGNORE
            migrations = migrations_of(plan, svc)
            for name, content in (migrations.files if migrations else {}).items():
                out[f"{base}/migrations/{name}"] = content
        return out

    def _runtime_files(self, base: str, svc: Service, spec: dict) -> dict[str, bytes]:
        liveness, _ = health_paths(svc)
        runtime = svc.runtime if svc.runtime in STATIC or svc.runtime == "python" else "other"
        files: dict[str, bytes] = {}
        if runtime == "python":
            for path in sorted((FILES / "python" / "app").glob("*.py")):
                files[f"{base}/app/{path.name}"] = path.read_bytes()
            files[f"{base}/app/spec.json"] = dump_spec(spec)
            files[f"{base}/requirements.txt"] = python_requirements(spec)
            files[f"{base}/Dockerfile"] = dockerfiles.python(svc.id, svc.port, liveness).encode()
            return files
        if runtime != "go":  # the Go skeleton routes from spec.json
            files[f"{base}/routes.txt"] = routes_txt(spec)
        files[f"{base}/spec.json"] = dump_spec(spec)
        for name in STATIC[runtime]:
            files[f"{base}/{name}"] = _read(runtime, name)
        if runtime == "other":
            files[f"{base}/server.py"] = _read("stdlib", "server.py")
            dockerfile = dockerfiles.python(svc.id, svc.port, liveness, module="server")
        else:
            dockerfile = getattr(dockerfiles, runtime)(svc.id, svc.port, liveness)
        files[f"{base}/Dockerfile"] = dockerfile.encode()
        return files
