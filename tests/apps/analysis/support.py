"""Small models for the analysis tests, and a seeded generator of random ones."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from apps.archmodel import load_model, model_from_data
from apps.archmodel.types import Model

MINI = (Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml").read_text()


def mini() -> Model:
    return load_model(MINI)


def model(**parts: Any) -> Model:
    return model_from_data({"apiVersion": "workbench/v1", "name": "t", **parts})


def mini_doc() -> dict[str, Any]:
    return yaml.safe_load(MINI)


def random_doc(seed: int, n: int = 9) -> dict[str, Any]:
    """A gateway routing to a few of n services that call each other (mostly forward, with
    back edges so cycles exist), some with timeouts, retries, breakers and fallbacks; data
    and events; two declared journeys and an actor."""
    rnd = random.Random(seed)
    ids = [f"s{i}" for i in range(n)]
    services: list[dict[str, Any]] = []
    for i, sid in enumerate(ids):
        calls = []
        for _ in range(rnd.randrange(0, 3)):
            j = rnd.randrange(i + 1, n) if i + 1 < n and rnd.random() < 0.8 else rnd.randrange(n)
            if j == i:
                continue
            call: dict[str, Any] = {"to": ids[j]}
            if rnd.random() < 0.7:
                call["timeout_ms"] = rnd.choice([50, 100, 400])
            if rnd.random() < 0.4:
                call["retries"] = {"max": rnd.randrange(1, 3), "backoff_ms": 10}
            if rnd.random() < 0.3:
                call["circuit_breaker"] = True
            if rnd.random() < 0.25:
                call["fallback"] = "cached"
            calls.append(call)
        service: dict[str, Any] = {
            "id": sid,
            "replicas": rnd.choice([1, 1, 2]),
            "slo": {"availability": rnd.choice([99, 99.5, 99.9]), "latency_ms": rnd.randrange(30)},
            "calls": calls,
        }
        if rnd.random() < 0.4:
            service["data"] = [f"{sid}-db"]
        if rnd.random() < 0.3:
            service["publishes"] = [{"event": "ev", "outbox": rnd.random() < 0.5}]
        if rnd.random() < 0.1:
            service["kind"] = "external"
            service.pop("calls")
            service.pop("data", None)
            service.pop("publishes", None)
        services.append(service)
    routes = [{"path": f"/r{k}", "to": ids[rnd.randrange(n)]} for k in range(3)]
    gateway = {"id": "gw", "kind": "gateway", "routes": routes, "replicas": rnd.choice([1, 2])}
    return {
        "apiVersion": "workbench/v1",
        "name": "random",
        "actors": [{"id": "user", "calls": ["gw", ids[0]]}],
        "services": [gateway, *services],
        "datastores": [
            {"id": f"{s['id']}-db", "kind": "postgres"} for s in services if "data" in s
        ],
        "brokers": [{"id": "bus", "kind": "kafka"}],
        "events": [{"id": "ev", "broker": "bus"}],
        "journeys": [
            {"id": "via-gw", "entry": "gw", "target": {"availability": 99, "latency_ms": 200}},
            {"id": "first-route", "entry": "gw", "route": "/r0"},
            {"id": "direct", "entry": "user", "calls": ["user->s0"]},
        ],
    }
