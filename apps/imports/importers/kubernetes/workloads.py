"""Workloads (Deployments, StatefulSets, ...) → services, datastores or brokers; the index
that selects them by label; and HorizontalPodAutoscalers (replicas of a service)."""

from __future__ import annotations

from typing import Any

from ..builder import DocumentBuilder, Where
from ..common import as_dict, classify_image
from ..reader import Doc
from ..report import ImportInputError, ImportReport


class _Workloads(list):
    """The workloads read so far, as (id, labels, doc), with an index from each label to the
    workloads carrying it, so selecting by labels costs the smallest candidate list instead of a
    scan of every workload (a 5,000-workload input stays linear)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_label: dict[tuple[str, str], list[int]] = {}

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
        return [
            self[i][0] for i in smallest if all(self[i][1].get(k) == v for k, v in match.items())
        ]


def _workload(
    builder: DocumentBuilder,
    report: ImportReport,
    doc: Doc,
    obj: dict[str, Any],
    oname: str,
    where: Where,
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
    main = containers[0]
    if len(containers) > 1:
        report.guess(
            f"'{oname}' has {len(containers)} containers; the first ('{main.get('name')}') "
            "is the service, the others are taken as sidecars",
            doc.file,
            where.line,
        )
    image = main.get("image") if isinstance(main.get("image"), str) else ""
    cls = classify_image(image) if image else None
    replicas = spec.get("replicas")
    if cls and cls[0] == "tooling":
        report.ignore(
            f"'{oname}' runs tooling image '{image}' (not part of the architecture)",
            doc.file,
            where.line,
        )
        return None
    if cls and cls[0] in ("datastores", "brokers"):
        coll = cls[0]
        ident = builder.add(
            coll,
            oname,
            {"kind": cls[1]},
            where=where,
            suffix="db" if coll == "datastores" else "broker",
        )
        report.infer(
            f"{coll[:-1]} '{ident}' ({cls[1]}) from image '{image}'", doc.file, where.line, ident
        )
        if isinstance(replicas, int):
            builder.get(ident).fields["replicas"] = replicas  # type: ignore[union-attr]
        return ident
    fields: dict[str, Any] = {}
    if cls and cls[0] == "gateway":
        fields["kind"] = "gateway"
    if obj["kind"] in ("StatefulSet",):
        fields["stateful"] = True
    ident = builder.add("services", oname, fields, where=where, suffix="svc")
    element = builder.get(ident)
    assert element is not None
    if cls and cls[0] == "runtime":
        element.fields["runtime"] = cls[1]
        report.guess(
            f"'{ident}' runtime {cls[1]} from image '{image}'", doc.file, where.line, ident
        )
    else:
        report.infer(
            f"service '{ident}' from {obj['kind']} with image '{image}'",
            doc.file,
            where.line,
            ident,
        )
    if isinstance(replicas, int):
        element.fields["replicas"] = replicas
        report.infer(f"'{ident}' replicas {replicas}", doc.file, doc.line(spec, "replicas"), ident)
    ports = main.get("ports")
    if isinstance(ports, list) and ports and isinstance(ports[0], dict):
        port = ports[0].get("containerPort")
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
    env = main.get("env")
    if isinstance(env, list):
        found = []
        for i, item in enumerate(env):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item:
                found.append((item["name"], item["value"], Where(doc.file, doc.line(env, i))))
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
