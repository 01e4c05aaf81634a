"""A Grafana RED dashboard per service with ``metrics: true``, built as data (JSON).

The queries use the metric names of the skeleton contract (docs/skeletons.md): rate, errors
and duration per route, outgoing calls by outcome, circuit-breaker state and the breaker's
events (short-circuited calls and fallbacks), events published and consumed when the service
has any, and its logs from Loki. Every series is selected by ``service="<id>"``, the label both
Prometheus configs set from the model id. Label values reach PromQL/LogQL as JSON strings (the
same escaping rules), never spliced in raw.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from apps.archmodel.types import Service

RATE = "$__rate_interval"
SCHEMA_VERSION = 39


def dashboard_uid(service_id: str) -> str:
    """Stable and at most 40 characters (Grafana's limit), whatever the id's length."""
    return "red-" + hashlib.sha256(service_id.encode()).hexdigest()[:20]


def _sel(service_id: str, extra: str = "") -> str:
    return "{service=" + json.dumps(service_id) + (", " + extra if extra else "") + "}"


def _target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "expr": expr,
        "legendFormat": legend,
        "refId": ref,
    }


def _panel(
    pid: int, title: str, targets: list[dict[str, Any]], unit: str, pos: tuple[int, int, int, int]
) -> dict[str, Any]:
    x, y, w, h = pos
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
        "targets": targets,
    }


def red_dashboard(svc: Service, *, publishes: bool, subscribes: bool) -> dict[str, Any]:
    sid = svc.id
    s = _sel(sid)
    errors = _sel(sid, 'status=~"5.."')
    duration = f"http_server_request_duration_seconds_bucket{s}"
    panels: list[dict[str, Any]] = [
        _panel(
            1,
            "Request rate by route",
            [
                _target(
                    f"sum by (route) (rate(http_server_requests_total{s}[{RATE}]))",
                    "{{route}}",
                    "A",
                )
            ],
            "reqps",
            (0, 0, 12, 8),
        ),
        _panel(
            2,
            "Error rate (5xx share) by route",
            [
                _target(
                    f"sum by (route) (rate(http_server_requests_total{errors}[{RATE}])) / "
                    f"sum by (route) (rate(http_server_requests_total{s}[{RATE}]))",
                    "{{route}}",
                    "A",
                )
            ],
            "percentunit",
            (12, 0, 12, 8),
        ),
        _panel(
            3,
            "Duration p50 / p95 / p99",
            [
                _target(
                    f"histogram_quantile({q}, sum by (le) (rate({duration}[{RATE}])))",
                    f"p{int(q * 100)}",
                    ref,
                )
                for q, ref in ((0.5, "A"), (0.95, "B"), (0.99, "C"))
            ],
            "s",
            (0, 8, 12, 8),
        ),
        _panel(
            4,
            "Outgoing calls by target and outcome",
            [
                _target(
                    f"sum by (target, outcome) (rate(http_client_requests_total{s}[{RATE}]))",
                    "{{target}} {{outcome}}",
                    "A",
                )
            ],
            "reqps",
            (12, 8, 12, 8),
        ),
        {
            "id": 5,
            "type": "state-timeline",
            "title": "Circuit-breaker state",
            "datasource": {"type": "prometheus", "uid": "prometheus"},
            "gridPos": {"x": 0, "y": 16, "w": 12, "h": 8},
            "fieldConfig": {
                "defaults": {
                    "mappings": [
                        {
                            "type": "value",
                            "options": {
                                "0": {"text": "closed", "color": "green", "index": 0},
                                "1": {"text": "open", "color": "red", "index": 1},
                                "2": {"text": "half-open", "color": "yellow", "index": 2},
                            },
                        }
                    ]
                },
                "overrides": [],
            },
            "options": {"showValue": "auto", "mergeValues": True},
            "targets": [_target(f"max by (target) (circuit_breaker_state{s})", "{{target}}", "A")],
        },
        _panel(
            6,
            "Circuit-breaker events (short-circuited, fallback)",
            [
                _target(
                    "sum by (target, outcome) (increase(http_client_requests_total"
                    + _sel(sid, 'outcome=~"short_circuited|fallback"')
                    + f"[{RATE}]))",
                    "{{target}} {{outcome}}",
                    "A",
                )
            ],
            "short",
            (12, 16, 12, 8),
        ),
    ]
    y = 24
    event_targets = []
    if publishes:
        event_targets.append(
            _target(
                f"sum by (event, outcome) (rate(events_published_total{s}[{RATE}]))",
                "published {{event}} {{outcome}}",
                "A",
            )
        )
    if subscribes:
        event_targets.append(
            _target(
                f"sum by (event, outcome) (rate(events_consumed_total{s}[{RATE}]))",
                "consumed {{event}} {{outcome}}",
                "B",
            )
        )
    if event_targets:
        panels.append(_panel(7, "Events by outcome", event_targets, "ops", (0, y, 24, 8)))
        y += 8
    panels.append(
        {
            "id": 8,
            "type": "logs",
            "title": "Logs",
            "datasource": {"type": "loki", "uid": "loki"},
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 10},
            "options": {"showTime": True, "wrapLogMessage": True, "sortOrder": "Descending"},
            "targets": [
                {
                    "datasource": {"type": "loki", "uid": "loki"},
                    "expr": _sel(sid),
                    "refId": "A",
                }
            ],
        }
    )
    return {
        "uid": dashboard_uid(sid),
        "title": f"{sid}: requests, errors, duration",
        "description": svc.label,
        "tags": ["workbench", "red"],
        "timezone": "browser",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def dashboard_json(dashboard: dict[str, Any]) -> bytes:
    return (json.dumps(dashboard, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode()
