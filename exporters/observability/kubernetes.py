"""The Kubernetes side of the observability stack, as kustomize components.

``components/observability/``: the collector (Deployment, Service, ConfigMap), Prometheus
(pod discovery in its own namespace through a Role; scrape annotations are on the services'
pod templates in ``base/``), Grafana (data sources and one RED dashboard per service as
ConfigMaps; admin password from the generated Secret ``grafana-admin``), Jaeger, Loki, and an
Alloy DaemonSet tailing its node's pods through the Kubernetes API. Every workload runs
non-root with a read-only root filesystem; storage is ``emptyDir`` (for trying the bundle, not
for keeping data). NetworkPolicies open exactly the stack's paths on top of the namespace's
default deny: traced services → collector (OTLP), Prometheus → services' ports, collector →
Jaeger and Loki, Alloy → Loki, Grafana → its data sources, Prometheus and Alloy → the API
server. UIs are reached with ``kubectl port-forward`` (no Ingress).

``overlays/observability/`` is dev plus the component. ``components/servicemonitor/`` is the
option for a cluster that runs the Prometheus Operator: a ServiceMonitor for the services with
metrics and the policy admitting its Prometheus (namespace ``monitoring``).
"""

from __future__ import annotations

import json
from typing import Any

from exporters.common import yamlout
from exporters.common.images import OBSERVABILITY_IMAGES
from exporters.common.infra import GRAFANA_ADMIN_PASSWORD, Plan
from exporters.kubernetes.manifests.metadata import labels, meta, secret_name, selector

from . import configs as c
from . import dashboards

COMPONENT = "components/observability"
SERVICEMONITOR = "components/servicemonitor"
OVERLAY = "overlays/observability"
COMPONENT_KIND = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
API_SERVER_PORTS = (443, 6443)
OPERATOR_NAMESPACE = "monitoring"
# kubectl's client-side apply keeps the whole object in an annotation (256 KiB at most):
# dashboards go into ConfigMaps of at most this many bytes each.
DASHBOARD_CHUNK_BYTES = 200_000


def _obj(plan: Plan, api: str, kind: str, name: str, **rest: Any) -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": meta(plan, name, name, "observability"),
        **rest,
    }


def _config_map(plan: Plan, name: str, data: dict[str, str]) -> dict[str, Any]:
    return _obj(plan, "v1", "ConfigMap", name, data=data)


def _ports(ports: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": n, "port": p, "targetPort": p, "protocol": "TCP"} for n, p in ports.items()]


def _service(plan: Plan, name: str, ports: dict[str, int]) -> dict[str, Any]:
    return _obj(
        plan,
        "v1",
        "Service",
        name,
        spec={"type": "ClusterIP", "selector": selector(plan, name), "ports": _ports(ports)},
    )


def _pod(
    plan: Plan,
    name: str,
    *,
    args: list[str],
    ports: dict[str, int],
    uid: int,
    mounts: dict[str, str],
    volumes: dict[str, dict[str, Any]],
    probe: str | None = None,
    env: list[dict[str, Any]] | None = None,
    service_account: str | None = None,
) -> dict[str, Any]:
    """A pod template: non-root, read-only root filesystem, all capabilities dropped."""
    container: dict[str, Any] = {
        "name": name,
        "image": OBSERVABILITY_IMAGES[name],
        "imagePullPolicy": "IfNotPresent",
    }
    if args:
        container["args"] = args
    if env:
        container["env"] = env
    if ports:
        container["ports"] = [
            {"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports.items()
        ]
    container["resources"] = {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "512Mi"},
    }
    if probe:
        port = next(iter(ports.values())) if name != "otel-collector" else c.COLLECTOR_HEALTH_PORT
        container["readinessProbe"] = {
            "httpGet": {"path": probe, "port": port},
            "periodSeconds": 10,
            "timeoutSeconds": 2,
        }
    container["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    container["volumeMounts"] = [
        {"name": v, "mountPath": path, **({} if "emptyDir" in volumes[v] else {"readOnly": True})}
        for v, path in mounts.items()
    ]
    spec: dict[str, Any] = {}
    if service_account:
        spec["serviceAccountName"] = service_account
    else:
        spec["automountServiceAccountToken"] = False
    spec["securityContext"] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    spec["containers"] = [container]
    spec["volumes"] = [{"name": v, **src} for v, src in volumes.items()]
    return {"metadata": {"labels": labels(plan, name, "observability")}, "spec": spec}


def _deployment(plan: Plan, name: str, pod: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        plan,
        "apps/v1",
        "Deployment",
        name,
        spec={
            "replicas": 1,
            "selector": {"matchLabels": selector(plan, name)},
            "strategy": {"type": "Recreate"},
            "template": pod,
        },
    )


def _rbac(plan: Plan, name: str, rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rbac = "rbac.authorization.k8s.io/v1"
    return {
        f"{name}-serviceaccount.yaml": _obj(plan, "v1", "ServiceAccount", name),
        f"{name}-role.yaml": _obj(plan, rbac, "Role", name, rules=rules),
        f"{name}-rolebinding.yaml": _obj(
            plan,
            rbac,
            "RoleBinding",
            name,
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            subjects=[{"kind": "ServiceAccount", "name": name, "namespace": plan.model.name}],
        ),
    }


def _peers(plan: Plan, ids: list[str]) -> dict[str, Any]:
    return {
        "podSelector": {
            "matchLabels": {"app.kubernetes.io/part-of": plan.model.name},
            "matchExpressions": [
                {"key": "app.kubernetes.io/name", "operator": "In", "values": ids}
            ],
        }
    }


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def _policy(
    plan: Plan,
    name: str,
    target: dict[str, Any],
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> dict[str, Any]:
    return _obj(
        plan,
        "networking.k8s.io/v1",
        "NetworkPolicy",
        name,
        spec={
            "podSelector": target,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    )


def _policies(plan: Plan) -> dict[str, dict[str, Any]]:
    metrics = [s.id for s in plan.metrics_services()]
    metric_ports = sorted({s.port for s in plan.metrics_services()})
    traced = [s.id for s in plan.traced_services()]

    def one(name: str) -> dict[str, Any]:
        return _peers(plan, [name])

    api_server = {"ports": _tcp(*API_SERVER_PORTS)}
    out: dict[str, dict[str, Any]] = {}
    collector_in = [{"from": [one("prometheus")], "ports": _tcp(c.COLLECTOR_METRICS_PORT)}]
    if traced:
        collector_in.insert(
            0, {"from": [_peers(plan, traced)], "ports": _tcp(c.OTLP_GRPC_PORT, c.OTLP_HTTP_PORT)}
        )
    out["networkpolicy-otel-collector.yaml"] = _policy(
        plan,
        "observability-otel-collector",
        one("otel-collector")["podSelector"],
        collector_in,
        [
            {"to": [one("jaeger")], "ports": _tcp(c.OTLP_GRPC_PORT)},
            {"to": [one("loki")], "ports": _tcp(c.LOKI_PORT)},
        ],
    )
    prometheus_out = [
        {"to": [one("otel-collector")], "ports": _tcp(c.COLLECTOR_METRICS_PORT)},
        api_server,
    ]
    if metrics:
        prometheus_out.insert(0, {"to": [_peers(plan, metrics)], "ports": _tcp(*metric_ports)})
    out["networkpolicy-prometheus.yaml"] = _policy(
        plan,
        "observability-prometheus",
        one("prometheus")["podSelector"],
        [{"from": [one("grafana")], "ports": _tcp(c.PROMETHEUS_PORT)}],
        prometheus_out,
    )
    out["networkpolicy-grafana.yaml"] = _policy(
        plan,
        "observability-grafana",
        one("grafana")["podSelector"],
        [],  # reached with kubectl port-forward, which NetworkPolicy does not filter
        [
            {"to": [one("prometheus")], "ports": _tcp(c.PROMETHEUS_PORT)},
            {"to": [one("loki")], "ports": _tcp(c.LOKI_PORT)},
            {"to": [one("jaeger")], "ports": _tcp(c.JAEGER_UI_PORT)},
        ],
    )
    out["networkpolicy-jaeger.yaml"] = _policy(
        plan,
        "observability-jaeger",
        one("jaeger")["podSelector"],
        [
            {"from": [one("otel-collector")], "ports": _tcp(c.OTLP_GRPC_PORT)},
            {"from": [one("grafana")], "ports": _tcp(c.JAEGER_UI_PORT)},
        ],
        [],
    )
    out["networkpolicy-loki.yaml"] = _policy(
        plan,
        "observability-loki",
        one("loki")["podSelector"],
        [
            {
                "from": [one("otel-collector"), one("alloy"), one("grafana")],
                "ports": _tcp(c.LOKI_PORT),
            }
        ],
        [],
    )
    out["networkpolicy-alloy.yaml"] = _policy(
        plan,
        "observability-alloy",
        one("alloy")["podSelector"],
        [],
        [{"to": [one("loki")], "ports": _tcp(c.LOKI_PORT)}, api_server],
    )
    # The model's services: traced ones may send OTLP to the collector, those with metrics
    # admit Prometheus on their ports (the base policies admit only modelled callers).
    if traced:
        out["networkpolicy-services-otlp.yaml"] = _obj(
            plan,
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "observability-services-otlp",
            spec={
                "podSelector": _peers(plan, traced)["podSelector"],
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [one("otel-collector")],
                        "ports": _tcp(c.OTLP_GRPC_PORT, c.OTLP_HTTP_PORT),
                    }
                ],
            },
        )
    if metrics:
        out["networkpolicy-services-scrape.yaml"] = _obj(
            plan,
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "observability-services-scrape",
            spec={
                "podSelector": _peers(plan, metrics)["podSelector"],
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [one("prometheus")], "ports": _tcp(*metric_ports)}],
            },
        )
    return out


def dashboard_chunks(plan: Plan) -> list[dict[str, str]]:
    """The dashboards in ConfigMap-sized groups (service order), each ≤ DASHBOARD_CHUNK_BYTES."""
    chunks: list[dict[str, str]] = []
    size = DASHBOARD_CHUNK_BYTES
    for service_id, content in dashboards(plan).items():
        text = content.decode()
        # counted as the annotation holds it: JSON-escaped (quotes, newlines), plus the key
        weight = len(json.dumps(text)) + len(service_id) + 8
        if size + weight > DASHBOARD_CHUNK_BYTES:
            chunks.append({})
            size = 0
        chunks[-1][f"{service_id}.json"] = text
        size += weight
    return chunks


def component_objects(plan: Plan) -> dict[str, dict[str, Any]]:
    """File name under ``components/observability/`` → object, in a stable order."""
    dump = lambda data: yamlout.dump(data).decode()  # noqa: E731
    objs: dict[str, dict[str, Any]] = {}
    tmp: dict[str, Any] = {"emptyDir": {}}
    # the collector
    objs["otel-collector-configmap.yaml"] = _config_map(
        plan, "otel-collector-config", {"config.yaml": dump(c.collector_config())}
    )
    collector_ports = {
        "otlp-grpc": c.OTLP_GRPC_PORT,
        "otlp-http": c.OTLP_HTTP_PORT,
        "metrics": c.COLLECTOR_METRICS_PORT,
    }
    objs["otel-collector-deployment.yaml"] = _deployment(
        plan,
        "otel-collector",
        _pod(
            plan,
            "otel-collector",
            args=["--config=/etc/otelcol-contrib/config.yaml"],
            ports=collector_ports,
            uid=10001,
            mounts={"config": "/etc/otelcol-contrib"},
            volumes={"config": {"configMap": {"name": "otel-collector-config"}}},
            probe="/",
        ),
    )
    objs["otel-collector-service.yaml"] = _service(plan, "otel-collector", collector_ports)
    # Prometheus
    objs["prometheus-configmap.yaml"] = _config_map(
        plan, "prometheus-config", {"prometheus.yml": dump(c.prometheus_kubernetes_config())}
    )
    objs.update(
        _rbac(
            plan,
            "prometheus",
            [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
        )
    )
    objs["prometheus-deployment.yaml"] = _deployment(
        plan,
        "prometheus",
        _pod(
            plan,
            "prometheus",
            args=[
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                "--storage.tsdb.retention.time=2d",
            ],
            ports={"http": c.PROMETHEUS_PORT},
            uid=65534,
            mounts={"config": "/etc/prometheus", "data": "/prometheus"},
            volumes={"config": {"configMap": {"name": "prometheus-config"}}, "data": tmp},
            probe="/-/ready",
            service_account="prometheus",
        ),
    )
    objs["prometheus-service.yaml"] = _service(plan, "prometheus", {"http": c.PROMETHEUS_PORT})
    # Jaeger
    objs["jaeger-deployment.yaml"] = _deployment(
        plan,
        "jaeger",
        _pod(
            plan,
            "jaeger",
            args=["--memory.max-traces=100000"],
            ports={"ui": c.JAEGER_UI_PORT, "otlp-grpc": c.OTLP_GRPC_PORT},
            uid=10001,
            mounts={"tmp": "/tmp"},  # noqa: S108 - an emptyDir
            volumes={"tmp": tmp},
            probe="/",
            env=[{"name": "COLLECTOR_OTLP_ENABLED", "value": "true"}],
        ),
    )
    objs["jaeger-service.yaml"] = _service(
        plan, "jaeger", {"ui": c.JAEGER_UI_PORT, "otlp-grpc": c.OTLP_GRPC_PORT}
    )
    # Loki
    objs["loki-configmap.yaml"] = _config_map(
        plan, "loki-config", {"loki.yaml": dump(c.loki_config())}
    )
    objs["loki-deployment.yaml"] = _deployment(
        plan,
        "loki",
        _pod(
            plan,
            "loki",
            args=["-config.file=/etc/loki/config/loki.yaml"],
            ports={"http": c.LOKI_PORT},
            uid=10001,
            mounts={"config": "/etc/loki/config", "data": "/loki"},
            volumes={"config": {"configMap": {"name": "loki-config"}}, "data": tmp},
            probe="/ready",
        ),
    )
    objs["loki-service.yaml"] = _service(plan, "loki", {"http": c.LOKI_PORT})
    # Alloy: one per node, each tails its node's pods of the namespace through the API
    objs["alloy-configmap.yaml"] = _config_map(
        plan, "alloy-config", {"config.alloy": c.ALLOY_KUBERNETES}
    )
    objs.update(
        _rbac(
            plan,
            "alloy",
            [
                {
                    "apiGroups": [""],
                    "resources": ["pods", "pods/log"],
                    "verbs": ["get", "list", "watch"],
                }
            ],
        )
    )
    alloy_pod = _pod(
        plan,
        "alloy",
        args=[
            "run",
            f"--server.http.listen-addr=0.0.0.0:{c.ALLOY_PORT}",
            "--storage.path=/var/lib/alloy/data",
            # loki.source.kubernetes (tailing through the API) is experimental in Alloy 1.x;
            # the stable way, hostPath /var/log/pods as root, is what the namespace's
            # `baseline` Pod Security refuses
            "--stability.level=experimental",
            "/etc/alloy/config.alloy",
        ],
        ports={"http": c.ALLOY_PORT},
        uid=473,
        mounts={"config": "/etc/alloy", "data": "/var/lib/alloy/data", "tmp": "/tmp"},  # noqa: S108
        volumes={"config": {"configMap": {"name": "alloy-config"}}, "data": tmp, "tmp": tmp},
        probe="/-/ready",
        env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        service_account="alloy",
    )
    objs["alloy-daemonset.yaml"] = _obj(
        plan,
        "apps/v1",
        "DaemonSet",
        "alloy",
        spec={"selector": {"matchLabels": selector(plan, "alloy")}, "template": alloy_pod},
    )
    # Grafana
    objs["grafana-datasources-configmap.yaml"] = _config_map(
        plan, "grafana-datasources", {"datasources.yaml": dump(c.grafana_datasources())}
    )
    objs["grafana-dashboard-provider-configmap.yaml"] = _config_map(
        plan,
        "grafana-dashboard-provider",
        {"dashboards.yaml": dump(c.grafana_dashboard_provider())},
    )
    chunks = dashboard_chunks(plan)
    for n, data in enumerate(chunks):
        objs[f"grafana-dashboards-{n:02d}-configmap.yaml"] = _config_map(
            plan, f"grafana-dashboards-{n:02d}", data
        )
    volumes: dict[str, dict[str, Any]] = {
        "datasources": {"configMap": {"name": "grafana-datasources"}},
        "providers": {"configMap": {"name": "grafana-dashboard-provider"}},
    }
    mounts = {
        "datasources": "/etc/grafana/provisioning/datasources",
        "providers": "/etc/grafana/provisioning/dashboards",
    }
    if chunks:
        volumes["dashboards"] = {
            "projected": {
                "sources": [
                    {"configMap": {"name": f"grafana-dashboards-{n:02d}"}}
                    for n in range(len(chunks))
                ]
            }
        }
        mounts["dashboards"] = c.DASHBOARDS_PATH
    volumes["data"] = tmp
    volumes["tmp"] = tmp
    mounts["data"] = "/var/lib/grafana"
    mounts["tmp"] = "/tmp"  # noqa: S108 - an emptyDir
    secret = GRAFANA_ADMIN_PASSWORD
    objs["grafana-deployment.yaml"] = _deployment(
        plan,
        "grafana",
        _pod(
            plan,
            "grafana",
            args=[],
            ports={"http": c.GRAFANA_PORT},
            uid=472,
            mounts=mounts,
            volumes=volumes,
            probe="/api/health",
            env=[
                {"name": "GF_SECURITY_ADMIN_USER", "value": "admin"},
                {
                    "name": "GF_SECURITY_ADMIN_PASSWORD",
                    "valueFrom": {
                        "secretKeyRef": {"name": secret_name(secret.owner), "key": secret.key}
                    },
                },
                {"name": "GF_USERS_ALLOW_SIGN_UP", "value": "false"},
                # stdout only: the default also writes /var/log/grafana (read-only root fs)
                {"name": "GF_LOG_MODE", "value": "console"},
                {"name": "GF_ANALYTICS_REPORTING_ENABLED", "value": "false"},
                {"name": "GF_ANALYTICS_CHECK_FOR_UPDATES", "value": "false"},
            ],
        ),
    )
    objs["grafana-service.yaml"] = _service(plan, "grafana", {"http": c.GRAFANA_PORT})
    objs.update(_policies(plan))
    return objs


def servicemonitor(plan: Plan) -> dict[str, dict[str, Any]]:
    """For the Prometheus Operator: its Prometheus (namespace ``monitoring``) scrapes the
    services with metrics through their Services' ``http`` port; the operator adds the
    ``service`` label (the Service's name, the model id) the dashboards select on."""
    metrics = [s.id for s in plan.metrics_services()]
    ports = sorted({s.port for s in plan.metrics_services()})
    monitor = _obj(
        plan,
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        "services",
        spec={
            "selector": _peers(plan, metrics)["podSelector"],
            "endpoints": [{"port": "http", "path": "/metrics", "interval": c.SCRAPE_INTERVAL}],
        },
    )
    policy = _obj(
        plan,
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "observability-operator-scrape",
        spec={
            "podSelector": _peers(plan, metrics)["podSelector"],
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": OPERATOR_NAMESPACE}
                            }
                        }
                    ],
                    "ports": _tcp(*ports),
                }
            ],
        },
    )
    return {"servicemonitor.yaml": monitor, "networkpolicy-operator-scrape.yaml": policy}


def files(plan: Plan, header: str) -> dict[str, bytes]:
    """``kubernetes/components/...`` and ``kubernetes/overlays/observability/``."""
    out: dict[str, bytes] = {}
    objs = component_objects(plan)
    for name, obj in objs.items():
        out[f"kubernetes/{COMPONENT}/{name}"] = yamlout.dump(obj, header=header)
    docs: dict[str, dict[str, Any]] = {
        f"{COMPONENT}/kustomization.yaml": {**COMPONENT_KIND, "resources": list(objs)},
        f"{OVERLAY}/kustomization.yaml": {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": f"{plan.model.name}-dev"[:63],
            "resources": ["../dev"],
            "components": [f"../../{COMPONENT}"],
        },
    }
    if plan.metrics_services():
        monitor = servicemonitor(plan)
        for name, obj in monitor.items():
            out[f"kubernetes/{SERVICEMONITOR}/{name}"] = yamlout.dump(obj, header=header)
        docs[f"{SERVICEMONITOR}/kustomization.yaml"] = {
            **COMPONENT_KIND,
            "resources": list(monitor),
        }
    for path, doc in docs.items():
        out[f"kubernetes/{path}"] = yamlout.dump(doc, header=header)
    return out
