"""Kubernetes objects as Python data, one function per kind."""

from __future__ import annotations

from typing import Any

from apps.archmodel.types import Service
from exporters.common.images import APP_UID, GATEWAY_UID
from exporters.common.infra import PLACEHOLDER, Backing, Plan, Secret, Value, secrets_in
from exporters.skeleton.spec import health_paths

EXTERNAL_SECRET = "external-endpoints"  # noqa: S105 - a Secret object name
INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
DEFAULT_REQUESTS = {"cpu": "100m", "memory": "128Mi"}


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
    return f"{owner}-credentials" if owner else EXTERNAL_SECRET


def env_entries(env: dict[str, Value]) -> list[dict[str, Any]]:
    """Secrets first (from their Secret), then values that embed them as ``$(NAME)``."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for value in env.values():
        for s in secrets_in(value):
            if s.name not in seen:
                seen.add(s.name)
                key = s.key or s.name
                entries.append(
                    {
                        "name": s.name,
                        "valueFrom": {"secretKeyRef": {"name": secret_name(s.owner), "key": key}},
                    }
                )
    for name, value in env.items():
        if len(value) == 1 and isinstance(value[0], Secret) and value[0].name == name:
            continue  # already there
        rendered = "".join(
            f"$({p.name})" if isinstance(p, Secret) else p.replace("$", "$$") for p in value
        )
        entries.append({"name": name, "value": rendered})
    return entries


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


def external_secret(plan: Plan, names: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": EXTERNAL_SECRET,
            "namespace": plan.model.name,
            "annotations": {
                "workbench.dev/note": "operator-supplied addresses of external "
                "systems; replace every REPLACE_ME"
            },
        },
        "type": "Opaque",
        "stringData": dict.fromkeys(names, PLACEHOLDER),
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


def deployment(plan: Plan, svc: Service) -> dict[str, Any]:
    liveness, readiness = health_paths(svc)
    gateway = svc.kind == "gateway"
    uid = GATEWAY_UID if gateway else APP_UID
    if gateway:
        liveness = readiness = "/healthz"
    env = {k: v for k, v in plan.env(svc).items() if secrets_in(v)} if not gateway else {}
    requests = {
        "cpu": svc.deploy.cpu or DEFAULT_REQUESTS["cpu"],
        "memory": svc.deploy.memory or DEFAULT_REQUESTS["memory"],
    }
    container: dict[str, Any] = {
        "name": svc.id,
        "image": f"{plan.model.name}-{svc.id}:dev",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": svc.port, "protocol": "TCP"}],
    }
    if not gateway:
        container["envFrom"] = [{"configMapRef": {"name": f"{svc.id}-config"}}]
    if env:
        container["env"] = env_entries(env)
    container.update(
        {
            "resources": {"requests": requests, "limits": {"memory": requests["memory"]}},
            "livenessProbe": {
                "httpGet": {"path": liveness, "port": "http"},
                "initialDelaySeconds": 5,
                "periodSeconds": 10,
                "timeoutSeconds": 2,
                "failureThreshold": 3,
            },
            "readinessProbe": {
                "httpGet": {"path": readiness, "port": "http"},
                "periodSeconds": 5,
                "timeoutSeconds": 2,
                "failureThreshold": 3,
            },
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
            },
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - an emptyDir
        }
    )
    strategy: dict[str, Any] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    annotations = {"workbench.dev/title": svc.label}
    if svc.deploy.strategy != "rolling":
        annotations["workbench.dev/strategy"] = (
            f"{svc.deploy.strategy}: modelled; plain Deployments roll, use a progressive delivery "
            "controller (e.g. Argo Rollouts) for it"
        )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(plan, svc.id, svc.id, svc.kind, annotations=annotations),
        "spec": {
            "replicas": svc.replicas.min,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(plan, svc.id)},
            "strategy": strategy,
            "template": {
                "metadata": {"labels": labels(plan, svc.id, svc.kind)},
                "spec": {
                    "serviceAccountName": svc.id,
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": uid,
                        "runAsGroup": uid,
                        "fsGroup": uid,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
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


def hpa(plan: Plan, svc: Service) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(plan, svc.id, svc.id, svc.kind),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc.id},
            "minReplicas": svc.replicas.min,
            "maxReplicas": svc.replicas.max,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": svc.replicas.cpu_target or 80,
                        },
                    },
                }
            ],
        },
    }


def pdb(plan: Plan, svc: Service) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(plan, svc.id, svc.id, svc.kind),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(plan, svc.id)}},
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
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(plan, gw.id, gw.id, "gateway"),
        "spec": {"ingressClassName": "nginx", "rules": [{"http": {"paths": paths}}]},
    }


def backing_secret(plan: Plan, b: Backing) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(
            plan,
            secret_name(b.id),
            b.id,
            b.role,
            annotations={
                "workbench.dev/note": "replace every REPLACE_ME (URL-safe "
                "characters only) or manage with an external secret store"
            },
        ),
        "type": "Opaque",
        "stringData": {s.key: PLACEHOLDER for s in b.secrets},
    }


def statefulset(plan: Plan, b: Backing) -> dict[str, Any]:
    container: dict[str, Any] = {"name": b.kind, "image": b.image}
    if b.command:
        container["args"] = [
            "".join(f"$({p.name})" if isinstance(p, Secret) else p for p in v) for v in b.command
        ]
    if b.env:
        container["env"] = env_entries(b.env)
    container.update(
        {
            "ports": [{"name": "main", "containerPort": b.port, "protocol": "TCP"}],
            "readinessProbe": {"tcpSocket": {"port": "main"}, "periodSeconds": 10},
            "livenessProbe": {
                "tcpSocket": {"port": "main"},
                "initialDelaySeconds": 30,
                "periodSeconds": 20,
            },
            "resources": {
                "requests": {"cpu": "250m", "memory": "512Mi"},
                "limits": {"memory": "1Gi"},
            },
            "volumeMounts": [{"name": "data", "mountPath": b.data_path}],
        }
    )
    pod_spec: dict[str, Any] = {"containers": [container]}
    if b.uid is not None:
        pod_spec = {
            "securityContext": {"fsGroup": b.uid, "seccompProfile": {"type": "RuntimeDefault"}},
            **pod_spec,
        }
    annotations = {
        "workbench.dev/modelled-replicas": str(b.modelled_replicas),
        "workbench.dev/note": "single instance for development; in production use an operator or a "
        "managed service (see overlays/prod)",
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(plan, b.id, b.id, b.role, annotations=annotations),
        "spec": {
            "serviceName": b.id,
            "replicas": 1,
            "selector": {"matchLabels": selector(plan, b.id)},
            "template": {"metadata": {"labels": labels(plan, b.id, b.role)}, "spec": pod_spec},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "5Gi"}},
                    },
                }
            ],
        },
    }
