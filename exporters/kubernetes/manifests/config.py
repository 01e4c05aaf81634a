"""Namespace, ServiceAccounts, ConfigMaps and Secrets."""

from __future__ import annotations

from typing import Any

from apps.archmodel.types import Service
from exporters.common.infra import Backing, Plan, secrets_in
from exporters.skeleton.gateway import nginx_conf
from exporters.skeleton.migrations import migrations_of

from .metadata import meta


def namespace(plan: Plan) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": plan.model.name,
            "labels": {
                "app.kubernetes.io/part-of": plan.model.name,
                "pod-security.kubernetes.io/enforce": "baseline",
            },
        },
    }


def service_account(plan: Plan, svc: Service) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(plan, svc.id, svc.id, svc.kind),
        "automountServiceAccountToken": False,
    }


def config_map(plan: Plan, svc: Service) -> dict[str, Any]:
    data = {k: v[0] for k, v in plan.env(svc).items() if not secrets_in(v)}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(plan, f"{svc.id}-config", svc.id, svc.kind),
        "data": data,
    }


def gateway_config(plan: Plan, gw: Service) -> dict[str, Any]:
    """The gateway's nginx config for Kubernetes, mounted over the image's: ``upstream`` blocks
    (a Service's ClusterIP is stable, so nothing needs re-resolving) instead of Docker's DNS."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(plan, f"{gw.id}-nginx", gw.id, gw.kind),
        "data": {"default.conf": nginx_conf(plan, gw, dynamic_dns=False)},
    }


def initdb_config(plan: Plan, b: Backing) -> dict[str, Any]:
    """Init scripts of a datastore (the read-only role for services that only read)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(plan, f"{b.id}-initdb", b.id, b.role),
        "data": {name: script.decode() for name, script in b.init_scripts.items()},
    }


def migrations_config(plan: Plan, svc: Service) -> dict[str, Any] | None:
    """The service's migrations (exporters/skeleton/migrations.py) for its init container."""
    m = migrations_of(plan, svc)
    if m is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(plan, f"{svc.id}-migrations", svc.id, svc.kind),
        "data": {name: content.decode() for name, content in sorted(m.files.items())},
    }
