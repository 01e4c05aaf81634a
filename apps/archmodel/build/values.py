"""Reading loose document values, and the effective values of shorthands such as
``replicas: 3``, ``health: true``, ``retries: 2`` and ``circuit_breaker: true``."""

from __future__ import annotations

from typing import Any

from .. import types as M


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _get(item: Any, key: str, shorthand: str | None = None, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    if shorthand == key:
        return item
    return default


def _op_key(op: dict) -> str:
    if op.get("method"):
        return f"{op['method']} {op.get('path', '')}"
    return str(op.get("name", ""))


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _replicas(value: Any) -> M.Replicas:
    if isinstance(value, dict):
        lo = value.get("min", 1)
        return M.Replicas(
            min=lo, max=max(value.get("max", lo), lo), cpu_target=value.get("cpu_target")
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return M.Replicas(min=value, max=value)
    return M.Replicas()


def _health(value: Any) -> M.Health | None:
    if value is True:
        return M.Health("/healthz", "/healthz")
    if isinstance(value, dict):
        return M.Health(value.get("liveness"), value.get("readiness"))
    return None


def _retries(value: Any) -> M.Retries:
    if isinstance(value, dict):
        return M.Retries(
            max=value.get("max", 0),
            backoff_ms=value.get("backoff_ms"),
            jitter=value.get("jitter", False),
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return M.Retries(max=value)
    return M.Retries()


def _breaker(value: Any) -> M.CircuitBreaker | None:
    if value is True:
        return M.CircuitBreaker()
    if isinstance(value, dict):
        return M.CircuitBreaker(
            value.get("failure_threshold", 5), value.get("reset_timeout_ms", 30_000)
        )
    return None
