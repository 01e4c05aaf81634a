"""Generated, realistic ``workbench/v1`` models for benchmarks and scale tests (no Django).

``generate_document(n)`` builds a deterministic document with n services: a web frontend and a
gateway routing to the entry services, domains of ~20 services, teams of ~8, about 3 calls per
service (mostly "downstream", with a few back edges so cycles exist), a datastore per stateful
service with some foreign reads, an event per three services on two brokers, a few external
providers and libraries. The usual mistakes are sprinkled in at realistic rates.
"""

from __future__ import annotations

import random
from typing import Any


def generate_document(n: int, *, seed: int = 42) -> dict[str, Any]:
    rnd = random.Random(seed)
    n = max(n, 10)
    ids = [f"svc-{i:05d}" for i in range(n)]
    domains = [{"id": f"domain-{d}"} for d in range(max(1, n // 20))]
    teams = [{"id": f"team-{t}"} for t in range(max(1, n // 8))]
    externals = [f"provider-{k}" for k in range(max(1, n // 200))]
    events = [f"event-{e:05d}" for e in range(max(1, n // 3))]
    entries = ids[: max(1, n // 25)]
    services: list[dict[str, Any]] = [
        {
            "id": "web",
            "kind": "frontend",
            "team": teams[0]["id"],
            "runtime": "node",
            "calls": ["gateway"],
        },
        {
            "id": "gateway",
            "kind": "gateway",
            "team": teams[0]["id"],
            "replicas": 2,
            "health": True,
            "observability": {"logging": "central", "metrics": True, "tracing": True},
            "routes": [
                {
                    "path": f"/api/{sid}",
                    "to": sid,
                    "api": f"{sid}-api",
                    "auth": "jwt" if rnd.random() < 0.9 else "none",
                }
                for sid in entries
            ],
        },
    ]
    datastores = []
    for i, sid in enumerate(ids):
        calls: list[dict[str, Any]] = []
        for _ in range(3):
            if rnd.random() < 0.02:
                j = rnd.randrange(0, max(1, i))  # a back edge: cycles appear
            else:
                j = min(n - 1, i + 1 + int(rnd.expovariate(1 / 40)))
            if j == i or any(c["to"] == ids[j] for c in calls):
                continue
            call: dict[str, Any] = {"to": ids[j], "api": f"{ids[j]}-api"}
            if rnd.random() < 0.9:
                call["timeout_ms"] = rnd.choice([300, 500, 800, 1500, 3000])
            if rnd.random() < 0.7:
                call["circuit_breaker"] = True
            if rnd.random() < 0.3:
                call["retries"] = {
                    "max": rnd.choice([1, 2, 3]),
                    "backoff_ms": 100,
                    "jitter": rnd.random() < 0.8,
                }
            if rnd.random() < 0.5:
                call["tls"] = "mtls"
            calls.append(call)
        if rnd.random() < 0.05:
            calls.append(
                {
                    "to": rnd.choice(externals),
                    "timeout_ms": 2000,
                    "circuit_breaker": True,
                    "tls": True,
                }
            )
        service: dict[str, Any] = {
            "id": sid,
            "kind": "worker" if i % 29 == 28 else "service",
            "domain": domains[(i // 20) % len(domains)]["id"],
            "team": teams[(i // 8) % len(teams)]["id"] if rnd.random() < 0.98 else None,
            "runtime": rnd.choice(["python", "python", "go", "java"]),
            "replicas": rnd.choice([1, 2, 2, {"min": 2, "max": 6}]),
            "observability": {
                "logging": rnd.choice(["central"] * 9 + ["local"]),
                "metrics": True,
                "tracing": rnd.random() < 0.8,
            },
            "apis": [
                {
                    "id": f"{sid}-api",
                    "version": "v1" if rnd.random() < 0.9 else None,
                    "auth": "jwt" if rnd.random() < 0.5 else None,
                    "operations": [
                        {"method": "GET", "path": "/items"},
                        {"method": "POST", "path": "/items"},
                    ],
                }
            ],
            "calls": calls,
            "publishes": [
                {"event": events[min(i // 3, len(events) - 1)], "outbox": rnd.random() < 0.6}
            ]
            if i % 3 == 0
            else [],
            "subscribes": [
                {"event": events[rnd.randrange(len(events))], "idempotent": rnd.random() < 0.7}
            ]
            if rnd.random() < 0.6
            else [],
        }
        if rnd.random() < 0.9:
            service["health"] = True
        if rnd.random() < 0.8:
            datastores.append(
                {
                    "id": f"{sid}-db",
                    "kind": rnd.choice(["postgres", "postgres", "redis"]),
                    "owner": sid,
                    "replicas": rnd.choice([1, 2]),
                }
            )
            service["data"] = [f"{sid}-db"]
            if rnd.random() < 0.1 and len(datastores) > 1:
                service["data"].append(
                    {"store": rnd.choice(datastores[:-1])["id"], "access": "read"}
                )
        services.append({k: v for k, v in service.items() if v is not None})
        for api in service["apis"]:
            for key in [k for k, v in api.items() if v is None]:
                del api[key]
    services.extend({"id": e, "kind": "external"} for e in externals)
    return {
        "apiVersion": "workbench/v1",
        "name": f"generated-{n}",
        "domains": domains,
        "teams": teams,
        "actors": [
            {"id": "customer", "calls": ["web"]},
            {"id": "partner", "kind": "system", "calls": ["gateway"]},
        ],
        "services": services,
        "datastores": datastores,
        "brokers": [
            {"id": "bus", "kind": "kafka", "replicas": 3},
            {"id": "jobs", "kind": "kafka", "replicas": 3},
        ],
        "events": [{"id": e, "broker": "bus" if k % 2 else "jobs"} for k, e in enumerate(events)],
        "libraries": [{"id": "platform-lib", "kind": "technical"}],
    }


def generate_yaml(n: int, *, seed: int = 42) -> str:
    from apps.archmodel import dump_yaml

    return dump_yaml(generate_document(n, seed=seed))
