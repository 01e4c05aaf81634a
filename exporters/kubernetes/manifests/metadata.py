"""Labels, selectors, object metadata and Secret names shared by every manifest."""

from __future__ import annotations

from typing import Any

from exporters.common.infra import API_KEYS_OWNER, GRAFANA_OWNER, Plan

EXTERNAL_SECRET = "external-endpoints"  # noqa: S105 - a Secret object name
API_KEYS_SECRET = "api-keys"  # noqa: S105 - a Secret object name
GRAFANA_SECRET = "grafana-admin"  # noqa: S105 - a Secret object name


def labels(plan: Plan, element_id: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": element_id,
        "app.kubernetes.io/part-of": plan.model.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "architecture-workbench",
    }


def selector(plan: Plan, element_id: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": element_id, "app.kubernetes.io/part-of": plan.model.name}


def meta(plan: Plan, name: str, element_id: str, component: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "namespace": plan.model.name,
        "labels": labels(plan, element_id, component),
    }
    out.update(extra)
    return out


def secret_name(owner: str) -> str:
    if owner == API_KEYS_OWNER:
        return API_KEYS_SECRET
    if owner == GRAFANA_OWNER:
        return GRAFANA_SECRET
    return f"{owner}-credentials" if owner else EXTERNAL_SECRET
