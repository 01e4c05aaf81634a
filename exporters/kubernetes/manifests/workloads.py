"""Workloads: a Deployment per service (with its HPA and PDB), a StatefulSet per datastore or
broker, and the container env they share."""

from __future__ import annotations

from typing import Any

from apps.archmodel.types import Service
from exporters.common.backings import INITDB_PATH
from exporters.common.images import APP_UID, GATEWAY_UID
from exporters.common.infra import Backing, Plan, Secret, Value, secrets_in
from exporters.skeleton.migrations import CREDENTIALS, MOUNT, Migrations, migrations_of
from exporters.skeleton.spec import health_paths

from .metadata import labels, meta, secret_name, selector

DEFAULT_REQUESTS = {"cpu": "100m", "memory": "128Mi"}


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


def migrate_container(plan: Plan, m: Migrations, security: dict[str, Any]) -> dict[str, Any]:
    """The init container applying the service's migrations (ConfigMap ``<id>-migrations``)
    with the datastore's own image and client, before the service starts; idempotent, so every
    pod may run it."""
    backing = plan.backings[m.store]
    user, db, password = CREDENTIALS[m.dialect]
    env: dict[str, Value] = {
        "DB_HOST": (m.store,),
        "DB_PORT": (str(backing.port),),
        "DB_USER": backing.env[user],
        "DB_NAME": backing.env[db],
        "DB_PASSWORD": backing.env[password],
    }
    return {
        "name": "migrate",
        "image": backing.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", f"{MOUNT}/migrate.sh"],
        "env": env_entries(env),
        "resources": {"requests": DEFAULT_REQUESTS, "limits": {"memory": "128Mi"}},
        "securityContext": security,
        "volumeMounts": [
            {"name": "migrations", "mountPath": MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - an emptyDir
        ],
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
            # up to 2.5 minutes to start before liveness may restart the container
            "startupProbe": {
                "httpGet": {"path": liveness, "port": "http"},
                "periodSeconds": 5,
                "timeoutSeconds": 2,
                "failureThreshold": 30,
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
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if gateway:
        container["volumeMounts"].append(
            {"name": "nginx-conf", "mountPath": "/etc/nginx/conf.d", "readOnly": True}
        )
        volumes.append({"name": "nginx-conf", "configMap": {"name": f"{svc.id}-nginx"}})
    migrations = migrations_of(plan, svc)
    init_containers = []
    if migrations is not None:
        init_containers.append(migrate_container(plan, migrations, container["securityContext"]))
        volumes.append({"name": "migrations", "configMap": {"name": f"{svc.id}-migrations"}})
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
    pod_spec: dict[str, Any] = {
        "serviceAccountName": svc.id,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": uid,
            "fsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        **({"initContainers": init_containers} if init_containers else {}),
        "containers": [container],
        "volumes": volumes,
    }
    if svc.replicas.max >= 2:
        # spread the replicas over nodes and zones, best effort (never blocks scheduling)
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector(plan, svc.id)},
            }
            for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
        ]
    pod_meta: dict[str, Any] = {"labels": labels(plan, svc.id, svc.kind)}
    if svc.observability.metrics and not gateway:
        # Prometheus' pod discovery (the observability component's, or a cluster's own)
        pod_meta["annotations"] = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(svc.port),
            "prometheus.io/path": "/metrics",
        }
    spec: dict[str, Any] = {}
    if not svc.replicas.autoscaled:  # the HPA owns the count; a fixed one would fight it
        spec["replicas"] = svc.replicas.min
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(plan, svc.id, svc.id, svc.kind, annotations=annotations),
        "spec": {
            **spec,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(plan, svc.id)},
            "strategy": strategy,
            "template": {"metadata": pod_meta, "spec": pod_spec},
        },
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
    if b.init_scripts:
        container["volumeMounts"].append(
            {"name": "initdb", "mountPath": INITDB_PATH, "readOnly": True}
        )
        pod_spec["volumes"] = [
            {"name": "initdb", "configMap": {"name": f"{b.id}-initdb", "defaultMode": 0o755}}
        ]
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
