"""Workloads (Deployments, StatefulSets, ...) → services, datastores or brokers; the index
that selects them by label; and HorizontalPodAutoscalers (replicas of a service)."""

from __future__ import annotations

from typing import Any

from ..builder import DocumentBuilder, Where
from ..classify import classify
from ..common import as_dict, as_list
from ..reader import Doc
from ..report import ImportInputError, ImportReport

# Containers that run beside the workload's own: meshes, config reloaders, log shippers.
SIDECARS = (
    "istio-proxy",
    "linkerd-proxy",
    "envoy",
    "k8s-sidecar",
    "config-reloader",
    "configmap-reload",
    "cloud-sql-proxy",
    "cloudsql-proxy",
    "oauth2-proxy",
    "vault-agent",
    "fluent-bit",
    "fluentd",
    "filebeat",
    "promtail",
    "otel-collector",
    "otc-container",
    "jaeger-agent",
)


def _is_sidecar(container: dict[str, Any]) -> bool:
    name = str(container.get("name", "")).lower()
    image = str(container.get("image", "")).lower().split("@")[0]
    last = image.rsplit("/", 1)[-1].split(":")[0]
    return any(s in (name, last) or name.endswith("-" + s) for s in SIDECARS) or last.endswith(
        "-exporter"
    )


def pick_container(
    oname: str, containers: list[Any], target_ports: set[Any]
) -> tuple[dict[str, Any], str]:
    """The container that is the workload, and why: the one named like the workload, else the
    one exposing a target port of a Service selecting it, else the first that is not a
    sidecar, else the first."""
    valid = [c for c in containers if isinstance(c, dict)]
    for c in valid:
        if c.get("name") == oname:
            return c, "named like the workload"
    if target_ports:
        for c in valid:
            for p in as_list(c.get("ports")):
                if isinstance(p, dict) and (
                    p.get("containerPort") in target_ports or p.get("name") in target_ports
                ):
                    return c, "it exposes the Service's target port"
    for c in valid:
        if not _is_sidecar(c):
            return c, "the first container that is not a sidecar"
    return valid[0], "the first container"


class _Workloads(list):
    """The workloads read so far, as (id, labels, doc), with an index from each label to the
    workloads carrying it, so selecting by labels costs the smallest candidate list instead of a
    scan of every workload (a 5,000-workload input stays linear)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_label: dict[tuple[str, str], list[int]] = {}
        self.renamed: dict[str, str] = {}  # workload id -> the service it was folded into

    def add(self, ident: str, labels: Any, doc: Doc) -> None:
        labels = labels if isinstance(labels, dict) else {}
        for k, v in labels.items():
            self.by_label.setdefault((str(k), str(v)), []).append(len(self))
        self.append((ident, labels, doc))

    def select(self, match: Any) -> list[str]:
        """Ids of the workloads whose labels include every pair of ``match``, in input order."""
        if not isinstance(match, dict) or not match:
            return []
        lists = [self.by_label.get((str(k), str(v)), []) for k, v in match.items()]
        smallest = min(lists, key=len)
        out: list[str] = []
        for i in smallest:
            if all(self[i][1].get(k) == v for k, v in match.items()):
                ident = self.renamed.get(self[i][0], self[i][0])
                if ident not in out:
                    out.append(ident)
        return out


def _workload(
    builder: DocumentBuilder,
    report: ImportReport,
    doc: Doc,
    obj: dict[str, Any],
    oname: str,
    where: Where,
    target_ports: set[Any] | None = None,
) -> str | None:
    spec = as_dict(obj.get("spec"))
    pod = (
        ((spec.get("template") or {}).get("spec") or {})
        if isinstance(spec.get("template"), dict)
        else {}
    )
    containers = pod.get("containers") if isinstance(pod, dict) else None
    if not isinstance(containers, list) or not containers or not isinstance(containers[0], dict):
        raise ImportInputError.one(
            f"{obj['kind']} '{oname}' has no spec.template.spec.containers", doc.file, where.line
        )
    main, why = pick_container(oname, containers, target_ports or set())
    if len(containers) > 1:
        report.guess(
            f"'{oname}' has {len(containers)} containers; '{main.get('name')}' is the "
            f"workload ({why}), the others are taken as sidecars",
            doc.file,
            where.line,
        )
    image: str = main["image"] if isinstance(main.get("image"), str) else ""
    env_list = main.get("env")
    env = {
        str(e["name"]): str(e.get("value", ""))
        for e in as_list(env_list)
        if isinstance(e, dict) and isinstance(e.get("name"), str)
    }
    ports = [
        p["containerPort"]
        for p in as_list(main.get("ports"))
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
    ]
    probe_text = " ".join(
        " ".join(map(str, as_list((main.get(k) or {}).get("exec", {}).get("command"))))
        for k in ("livenessProbe", "readinessProbe")
        if isinstance(main.get(k), dict) and isinstance(main[k].get("exec"), dict)
    )
    cls = classify(
        oname,
        image,
        env=env,
        ports=ports,
        health=probe_text,
        command=" ".join(map(str, as_list(main.get("command")) + as_list(main.get("args")))),
    )
    replicas = spec.get("replicas")
    say = report.guess if cls.guess else report.infer
    if cls.role == "tooling":
        report.ignore(
            f"'{oname}' is {cls.kind} tooling ({', '.join(cls.evidence)}), not a service of the "
            "architecture",
            doc.file,
            where.line,
        )
        return None
    if cls.role in ("datastore", "broker"):
        coll = cls.role + "s"
        ident = builder.add(
            coll,
            oname,
            {"kind": cls.kind},
            where=where,
            suffix="db" if coll == "datastores" else "broker",
        )
        say(
            f"{cls.role} '{ident}' ({cls.kind}) by {', '.join(cls.evidence)}",
            doc.file,
            where.line,
            ident,
        )
        if isinstance(replicas, int):
            builder.get(ident).fields["replicas"] = replicas  # type: ignore[union-attr]
        return ident
    fields: dict[str, Any] = {}
    if cls.role == "gateway":
        fields["kind"] = "gateway"
    if obj["kind"] in ("StatefulSet",):
        fields["stateful"] = True
    ident = builder.add("services", oname, fields, where=where, suffix="svc")
    element = builder.get(ident)
    assert element is not None
    say(
        f"{'gateway' if cls.role == 'gateway' else 'service'} '{ident}' from {obj['kind']} "
        f"with image '{image}'"
        + (f" ({', '.join(cls.evidence)})" if cls.role == "gateway" else ""),
        doc.file,
        where.line,
        ident,
    )
    if cls.runtime:
        element.fields["runtime"] = cls.runtime
        report.guess(
            f"'{ident}' runtime {cls.runtime} from {cls.runtime_evidence}",
            doc.file,
            where.line,
            ident,
        )
    else:
        element.fields["runtime"] = "other"
        report.guess(
            f"'{ident}': no evidence of its runtime; recorded as 'other'",
            doc.file,
            where.line,
            ident,
        )
    if any(k.upper().startswith(("OTEL_EXPORTER_OTLP", "OTEL_COLLECTOR")) for k in env):
        obs: dict[str, Any] = {"tracing": True}
        if "OTEL_EXPORTER_OTLP_ENDPOINT" in env:  # the endpoint of every signal
            obs.update(logging="central", metrics=True)
        element.fields["observability"] = obs
        report.infer(
            f"'{ident}' observability {obs} (OTEL_* environment)", doc.file, where.line, ident
        )
    if isinstance(replicas, int):
        element.fields["replicas"] = replicas
        report.infer(f"'{ident}' replicas {replicas}", doc.file, doc.line(spec, "replicas"), ident)
    main_ports = main.get("ports")
    if isinstance(main_ports, list) and main_ports and isinstance(main_ports[0], dict):
        port = main_ports[0].get("containerPort")
        if isinstance(port, int) and 0 < port < 65536:
            element.fields["port"] = port
    health: dict[str, str] = {}
    probes = 0
    for probe_key, field in (("livenessProbe", "liveness"), ("readinessProbe", "readiness")):
        probe = main.get(probe_key)
        if not isinstance(probe, dict):
            continue
        probes += 1
        http = probe.get("httpGet")
        if isinstance(http, dict) and isinstance(http.get("path"), str):
            health[field] = http["path"][:500]
    if health:
        element.fields["health"] = health
        report.infer(f"'{ident}' health probes {health}", doc.file, where.line, ident)
    elif probes:
        element.fields["health"] = True
        report.guess(
            f"'{ident}' has exec/tcp/grpc probes; recorded as health: true",
            doc.file,
            where.line,
            ident,
        )
    resources = main.get("resources")
    limits = resources.get("limits") if isinstance(resources, dict) else None
    if isinstance(limits, dict):
        res = {k: str(limits[k])[:20] for k in ("cpu", "memory") if k in limits}
        if res:
            element.fields["deploy"] = {"resources": res}
    if isinstance(env_list, list):
        found = []
        for i, item in enumerate(env_list):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item:
                found.append((item["name"], item["value"], Where(doc.file, doc.line(env_list, i))))
        element.fields["x-env"] = found
    return ident


def _hpa(
    builder: DocumentBuilder, report: ImportReport, hname: str, spec: dict[str, Any], where: Where
) -> None:
    ref = spec.get("scaleTargetRef") or {}
    target = builder.lookup(ref.get("name", "")) if isinstance(ref, dict) else None
    element = builder.get(target) if target else None
    if element is None or element.coll != "services":
        report.ignore(
            f"HPA '{hname}' scales '{ref.get('name')}', not a service of the input",
            where.file,
            where.line,
        )
        return
    replicas: dict[str, Any] = {"min": int(spec.get("minReplicas") or 1)}
    if isinstance(spec.get("maxReplicas"), int):
        replicas["max"] = spec["maxReplicas"]
    cpu = spec.get("targetCPUUtilizationPercentage")
    for metric in spec.get("metrics") or []:
        res = (metric or {}).get("resource") or {}
        if res.get("name") == "cpu":
            cpu = (res.get("target") or {}).get("averageUtilization") or res.get(
                "targetAverageUtilization"
            )
    if isinstance(cpu, int) and 1 <= cpu <= 100:
        replicas["cpu_target"] = cpu
    element.fields["replicas"] = replicas
    report.infer(
        f"'{target}' autoscales {replicas} (HPA '{hname}')", where.file, where.line, target
    )
