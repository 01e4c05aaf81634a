"""Services, Ingresses and NetworkPolicies: least privilege derived from the model."""

from __future__ import annotations

from typing import Any

from apps.archmodel.types import Service
from exporters.common.infra import Backing, Plan

from .metadata import meta, selector

INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
CLUSTER_ISSUER = "letsencrypt"
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def default_deny(plan: Plan) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": plan.model.name},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def allow_dns(plan: Plan) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-dns-egress", "namespace": plan.model.name},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }


def service(
    plan: Plan, element_id: str, component: str, port: int, *, headless: bool = False
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": selector(plan, element_id),
        "ports": [
            {
                "name": "main" if headless else "http",
                "port": port,
                "targetPort": "main" if headless else "http",
                "protocol": "TCP",
            }
        ],
    }
    spec = {"clusterIP": "None", **spec} if headless else {"type": "ClusterIP", **spec}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(plan, element_id, element_id, component),
        "spec": spec,
    }


def _peer(plan: Plan, element_id: str) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": selector(plan, element_id)}}


def _port(port: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port}]


def service_policy(plan: Plan, svc: Service) -> dict[str, Any]:
    """Least privilege from the model: in from the declared callers only, out to the callees,
    datastores and brokers it declares (plus HTTPS to the internet for external calls)."""
    ingress: list[dict[str, Any]] = []
    callers = plan.callers(svc.id)
    if callers:
        ingress.append({"from": [_peer(plan, c) for c in callers], "ports": _port(svc.port)})
    if svc.kind == "gateway":
        ingress.append(
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {
                                "kubernetes.io/metadata.name": INGRESS_CONTROLLER_NAMESPACE
                            }
                        }
                    }
                ],
                "ports": _port(svc.port),
            }
        )
    egress: list[dict[str, Any]] = []
    for callee in plan.callees(svc):
        egress.append({"to": [_peer(plan, callee)], "ports": _port(plan.service(callee).port)})
    for backing_id in plan.datastores_of(svc) + plan.brokers_of(svc):
        backing = plan.backings.get(backing_id)
        if backing is not None:
            egress.append({"to": [_peer(plan, backing_id)], "ports": _port(backing.port)})
    external = plan.external_callees(svc) + [
        b for b in plan.datastores_of(svc) + plan.brokers_of(svc) if b in plan.unmanaged
    ]
    if external:
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}],
                "ports": _port(443),
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(plan, svc.id, svc.id, svc.kind),
        "spec": {
            "podSelector": {"matchLabels": selector(plan, svc.id)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def backing_policy(plan: Plan, b: Backing) -> dict[str, Any]:
    users = plan.users_of(b.id)
    ingress = [{"from": [_peer(plan, u) for u in users], "ports": _port(b.port)}] if users else []
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(plan, b.id, b.id, b.role),
        "spec": {
            "podSelector": {"matchLabels": selector(plan, b.id)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": [],
        },
    }


def ingress(plan: Plan, gw: Service) -> dict[str, Any]:
    paths = []
    for path in dict.fromkeys(r.path.rstrip("/") or "/" for r in gw.routes):
        paths.append(
            {
                "path": path,
                "pathType": "Prefix",
                "backend": {"service": {"name": gw.id, "port": {"number": gw.port}}},
            }
        )
    host = ingress_host(plan, gw)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(
            plan,
            gw.id,
            gw.id,
            "gateway",
            annotations={
                # configuration: your cert-manager ClusterIssuer and host (see the README)
                "cert-manager.io/cluster-issuer": CLUSTER_ISSUER,
                "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            },
        ),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [host], "secretName": f"{gw.id}-tls"}],
            "rules": [{"host": host, "http": {"paths": paths}}],
        },
    }


def ingress_host(plan: Plan, gw: Service) -> str:
    return f"{gw.id}.{plan.model.name}.example.com"


LINKERD_NAMESPACE = "linkerd"
LINKERD_INBOUND_PORT = 4143


def mesh_policy(plan: Plan) -> dict[str, Any]:
    """With Linkerd: every pod may reach the control plane, and meshed pods reach each other's
    proxy port (the per-service policies still decide who may call whom on the app port)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-linkerd", "namespace": plan.model.name},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [{"podSelector": {}}],
                    "ports": [{"protocol": "TCP", "port": LINKERD_INBOUND_PORT}],
                }
            ],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": LINKERD_NAMESPACE}
                            }
                        }
                    ]
                },
                {
                    "to": [{"podSelector": {}}],
                    "ports": [{"protocol": "TCP", "port": LINKERD_INBOUND_PORT}],
                },
            ],
        },
    }
