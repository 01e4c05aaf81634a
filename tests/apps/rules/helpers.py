"""Helpers for the rule tests: build small models and look at what fired."""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from apps.archmodel import load_model
from apps.rules.engine import check_model
from apps.rules.findings import Finding, Report

TODAY = datetime.date(2026, 6, 15)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def model_yaml(**parts: Any) -> str:
    doc = {"apiVersion": "workbench/v1", "name": "test", **parts}
    return yaml.dump(doc, Dumper=_NoAliases, sort_keys=False)


def check(
    source: str | dict | None = None, *, today: datetime.date = TODAY, **parts: Any
) -> Report:
    if isinstance(source, dict):
        source = model_yaml(**source)
    elif source is None:
        source = model_yaml(**parts)
    return check_model(load_model(source), today=today)


def fired(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def svc(id: str, **props: Any) -> dict[str, Any]:
    return {"id": id, **props}


def call(to: str, **props: Any) -> dict[str, Any]:
    """A call that is otherwise sound (timeout, breaker, TLS, identity)."""
    base = {"to": to, "timeout_ms": 500, "circuit_breaker": True, "tls": "mtls", "auth": "jwt"}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}
