"""Deterministic generator of realistic workbench/v1 models of any size, for benchmarks.

``generate(n)`` returns a document with n services (one of them a gateway), n/25 domains,
n/10 teams, a datastore per service, an event per two services, two brokers, and about four
calls, events and data accesses per service (5,000 services -> ~21,000 relations), with a few
back edges so cycles exist. ``generate_yaml(n)`` dumps it canonically.
"""

from __future__ import annotations

import random
from typing import Any


def generate(n: int, *, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    n = max(n, 2)
    domains = [{"id": f"domain-{d}", "title": f"Domain {d}"} for d in range(max(1, n // 25))]
    teams = [{"id": f"team-{t}", "title": f"Team {t}"} for t in range(max(1, n // 10))]
    ids = [f"svc-{i}" for i in range(n)]
    events = [
        {"id": f"evt-{e}", "broker": "bus" if e % 3 else "stream"} for e in range(max(1, n // 2))
    ]
    services: list[dict[str, Any]] = []
    gateway = {
        "id": "gateway",
        "kind": "gateway",
        "team": teams[0]["id"],
        "replicas": 2,
        "health": True,
        "routes": [
            {"path": f"/api/{sid}", "to": sid, "auth": "jwt", "rate_limit": 100}
            for sid in ids[1 : max(2, n // 20)]
        ],
    }
    for i in range(1, n):
        sid = ids[i]
        calls = []
        for _ in range(1 + (rnd.random() < 0.4)):
            j = (
                rnd.randrange(i + 1, n)
                if i + 1 < n and rnd.random() < 0.97
                else rnd.randrange(1, n)
            )
            # One call per pair (a second one is a validation error); the draw still happens,
            # so the rest of the model stays the same for a given seed.
            if j != i and all(c["to"] != ids[j] for c in calls):
                call: dict[str, Any] = {
                    "to": ids[j],
                    "api": f"{ids[j]}-api",
                    "timeout_ms": rnd.choice([200, 500, 800, 1500]),
                }
                if rnd.random() < 0.7:
                    call["circuit_breaker"] = True
                if rnd.random() < 0.4:
                    call["retries"] = {
                        "max": rnd.choice([1, 2, 3]),
                        "backoff_ms": 100,
                        "jitter": True,
                    }
                calls.append(call)
        service: dict[str, Any] = {
            "id": sid,
            "title": f"Service {i}",
            "kind": "worker" if i % 17 == 0 else "service",
            "domain": domains[i % len(domains)]["id"],
            "team": teams[i % len(teams)]["id"],
            "runtime": rnd.choice(["python", "python", "go", "node"]),
            "replicas": rnd.choice([1, 2, {"min": 2, "max": 6}]),
            "health": True,
            "apis": [
                {
                    "id": f"{sid}-api",
                    "version": "v1",
                    "operations": [
                        {"method": "GET", "path": "/items"},
                        {"method": "POST", "path": "/items"},
                        {"method": "GET", "path": "/items/{id}"},
                    ],
                }
            ],
            "calls": calls,
            "publishes": [{"event": events[i % len(events)]["id"], "outbox": rnd.random() < 0.5}],
            "subscribes": [
                {
                    "event": events[(i * 7 + 3) % len(events)]["id"],
                    "group": sid,
                    "idempotent": rnd.random() < 0.6,
                }
            ]
            if rnd.random() < 0.7
            else [],
            "data": [f"{sid}-db"],
        }
        if rnd.random() < 0.3:
            other = f"{ids[rnd.randrange(1, n)]}-db"
            if other != f"{sid}-db":
                service["data"].append({"store": other, "access": "read"})
        services.append(service)
    datastores = [
        {
            "id": f"{sid}-db",
            "kind": rnd.choice(["postgres", "postgres", "mongodb", "redis"]),
            "owner": sid,
            "replicas": 2,
        }
        for sid in ids[1:]
    ]
    return {
        "apiVersion": "workbench/v1",
        "name": f"generated-{n}",
        "title": f"Generated model with {n} services",
        "defaults": {
            "service": {"observability": {"logging": "central", "metrics": True, "tracing": True}}
        },
        "domains": domains,
        "teams": teams,
        "actors": [{"id": "customer", "calls": ["gateway"]}],
        "services": [gateway, *services],
        "datastores": datastores,
        "brokers": [
            {"id": "bus", "kind": "rabbitmq", "replicas": 3},
            {"id": "stream", "kind": "kafka", "replicas": 3},
        ],
        "events": events,
    }


def generate_yaml(n: int, *, seed: int = 7) -> str:
    from apps.archmodel.yamlio import dump_yaml_data

    return dump_yaml_data(generate(n, seed=seed))


def relation_count(doc: dict[str, Any]) -> int:
    """Calls, event publications/subscriptions and data accesses: the model's edges."""
    return sum(
        len(s.get("calls", []))
        + len(s.get("publishes", []))
        + len(s.get("subscribes", []))
        + len(s.get("data", []))
        for s in doc["services"]
    )
