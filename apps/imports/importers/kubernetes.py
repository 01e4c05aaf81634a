"""Kubernetes manifests → ``workbench/v1``.

Reads Deployments, StatefulSets, DaemonSets (workloads: services, datastores or brokers by
image), Services (names other workloads use to reach them; LoadBalancer/NodePort = public),
Ingresses (a gateway with routes), NetworkPolicies (ingress from a podSelector = calls),
HorizontalPodAutoscalers (replicas min/max/cpu target) and probes (health), from multi-
document files and kustomize-style folders. Only the given files are read: a
``kustomization.yaml`` selects the local files it lists under ``resources``; remote bases and
paths outside the folder are reported as ignored.
"""

from __future__ import annotations

import posixpath
from typing import Any

from .builder import DocumentBuilder, Where
from .common import as_dict, as_list, classify_image, hosts_in, short_host
from .reader import Doc, read_yaml
from .report import ImportInputError, ImportReport
from .sources import SourceFile

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "DeploymentConfig")
KNOWN = (*WORKLOADS, "Service", "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "List")
USER_ACTOR = "user"
GRPC_TARGETS: dict[int, set[str]] = {}  # builder → workloads whose Service port is named grpc*


def select_files(files: list[SourceFile], report: ImportReport) -> list[SourceFile]:
    """Apply kustomizations: the files they list (recursively), else every file."""
    by_name = {posixpath.normpath(f.name): f for f in files}
    roots = [
        n
        for n in by_name
        if posixpath.basename(n) in ("kustomization.yaml", "kustomization.yml", "Kustomization")
    ]
    if not roots:
        return files
    roots.sort(key=lambda n: n.count("/"))
    chosen: dict[str, SourceFile] = {}
    seen: set[str] = set()

    def visit(kpath: str) -> None:
        if kpath in seen:
            return
        seen.add(kpath)
        kfile = by_name[kpath]
        docs = read_yaml(kfile.content, kfile.name)
        data = docs[0].data if docs else None
        if not isinstance(data, dict):
            raise ImportInputError.one("expected a kustomization mapping", kfile.name, 1)
        base = posixpath.dirname(kpath)
        for key in ("resources", "bases", "components"):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                line = docs[0].line(entries, i)
                if not isinstance(entry, str):
                    continue
                if (
                    "://" in entry
                    or entry.startswith(("github.com/", "git@", "ssh:"))
                    or "?ref=" in entry
                ):
                    report.ignore(f"remote base '{entry}' is never fetched", kfile.name, line)
                    continue
                target = posixpath.normpath(posixpath.join(base, entry))
                if target.startswith("..") or posixpath.isabs(target):
                    report.ignore(
                        f"'{entry}' is outside the given folder; not read", kfile.name, line
                    )
                    continue
                if target in by_name:
                    chosen[target] = by_name[target]
                    continue
                for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
                    if posixpath.join(target, name) in by_name:
                        visit(posixpath.join(target, name))
                        break
                else:
                    report.ignore(f"'{entry}' is not among the given files", kfile.name, line)
        for key in (
            "patches",
            "patchesStrategicMerge",
            "patchesJson6902",
            "images",
            "replicas",
            "configMapGenerator",
            "secretGenerator",
            "helmCharts",
        ):
            if key in data:
                report.ignore(
                    f"kustomize '{key}' is not applied", kfile.name, docs[0].line(data, key)
                )

    visit(roots[0])
    return list(chosen.values())


def _docs(files: list[SourceFile], report: ImportReport) -> list[tuple[Doc, dict[str, Any]]]:
    out = []
    for f in files:
        for doc in read_yaml(f.content, f.name, multi=True):
            if doc.data is None:
                continue
            if not isinstance(doc.data, dict) or not isinstance(doc.data.get("kind"), str):
                raise ImportInputError.one(
                    "expected a Kubernetes object: a mapping with 'kind'", f.name, doc.line0
                )
            if doc.data["kind"] == "List":
                for item in doc.data.get("items") or []:
                    if isinstance(item, dict) and isinstance(item.get("kind"), str):
                        out.append((doc, item))
                continue
            if (
                posixpath.basename(f.name).startswith("kustomization")
                or doc.data["kind"] == "Kustomization"
            ):
                continue
            out.append((doc, doc.data))
    return out


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


def _pod_selector(selector: Any) -> Any:
    """A NetworkPolicy podSelector's matchLabels (matchExpressions are not read)."""
    if not isinstance(selector, dict) or not selector:
        return None
    return selector.get("matchLabels", selector if "matchExpressions" not in selector else {})


def import_kubernetes(
    files: list[SourceFile], *, name: str | None = None
) -> tuple[dict, ImportReport]:
    report = ImportReport()
    files = select_files(files, report)
    objects = _docs(files, report)
    if not objects:
        raise ImportInputError.one(
            "no Kubernetes objects found in the input", files[0].name if files else None
        )
    namespaces = {
        o.get("metadata", {}).get("namespace")
        for _, o in objects
        if isinstance(o.get("metadata"), dict)
    }
    default_name = (
        next(iter(namespaces)) if len(namespaces) == 1 and None not in namespaces else None
    )
    builder = DocumentBuilder(name or default_name or "kubernetes", report)
    workloads = _Workloads()
    pending: list[tuple[Doc, dict[str, Any]]] = []
    for doc, obj in objects:
        kind = obj["kind"]
        meta = as_dict(obj.get("metadata"))
        oname = meta.get("name")
        where = Where(doc.file, doc.line(obj, "kind"))
        if not isinstance(oname, str) or not oname:
            raise ImportInputError.one(f"{kind} without metadata.name", doc.file, where.line)
        if kind in WORKLOADS:
            ident = _workload(builder, report, doc, obj, oname, where)
            if ident:
                tmpl = (obj.get("spec") or {}).get("template") or {}
                labels = (tmpl.get("metadata") or {}).get("labels") or {}
                workloads.add(ident, labels, doc)
        elif kind in KNOWN:
            pending.append((doc, obj))
        else:
            report.ignore(f"{kind} '{oname}' is not part of the model", doc.file, where.line)
    # Services first (they name workloads), then the rest.
    pending.sort(key=lambda p: p[1]["kind"] != "Service")
    for doc, obj in pending:
        kind = obj["kind"]
        meta = obj["metadata"]
        where = Where(doc.file, doc.line(obj, "kind"))
        spec = as_dict(obj.get("spec"))
        if kind == "Service":
            _service(builder, report, workloads, meta["name"], spec, where)
        elif kind == "Ingress":
            _ingress(builder, report, meta["name"], spec, where)
        elif kind == "NetworkPolicy":
            _netpol(builder, report, workloads, meta["name"], spec, where)
        elif kind == "HorizontalPodAutoscaler":
            _hpa(builder, report, meta["name"], spec, where)
    grpc_targets = GRPC_TARGETS.pop(id(builder), set())
    for ident, _, _doc in workloads:
        element = builder.get(ident)
        if element is None or element.coll != "services":
            continue
        for env_key, value, where in element.fields.pop("x-env", []):
            for host, scheme in hosts_in(env_key, value):
                host = short_host(host)
                if builder.lookup(host) is None:
                    continue
                grpc = scheme in ("grpc", "grpcs") or builder.lookup(host) in grpc_targets
                props = {"protocol": "grpc"} if grpc else {}
                builder.relate(
                    ident, "depends", host, where=where, props=props, via=f"env {env_key}"
                )
    return builder.document(), report


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


def _service(
    builder: DocumentBuilder,
    report: ImportReport,
    workloads: _Workloads,
    sname: str,
    spec: dict[str, Any],
    where: Where,
) -> None:
    selector = spec.get("selector")
    targets = workloads.select(selector)
    if spec.get("type") == "ExternalName":
        ident = builder.add("services", sname, {"kind": "external"}, where=where, suffix="ext")
        report.infer(
            f"external service '{ident}' ({spec.get('externalName')})",
            where.file,
            where.line,
            ident,
        )
        return
    if not targets:
        report.ignore(f"Service '{sname}' selects no workload of the input", where.file, where.line)
        return
    target = targets[0]
    ports = as_list(spec.get("ports"))
    if any(isinstance(p, dict) and str(p.get("name", "")).startswith("grpc") for p in ports):
        GRPC_TARGETS.setdefault(id(builder), set()).add(target)
    for suffix in ("", ".svc", ".svc.cluster.local"):
        builder.alias(sname + suffix, target)
    report.infer(f"Service '{sname}' names '{target}'", where.file, where.line, target)
    element = builder.get(target)
    if spec.get("type") in ("LoadBalancer", "NodePort") and element and element.coll == "services":
        actor = builder.add(
            "actors", USER_ACTOR, {"title": "External user", "kind": "person"}, ns="actor"
        )
        builder.relate(actor, "call", target, where=where, via=f"Service type {spec.get('type')}")
        report.infer(
            f"'{target}' is public (Service type {spec.get('type')})",
            where.file,
            where.line,
            target,
        )


def _ingress(
    builder: DocumentBuilder, report: ImportReport, iname: str, spec: dict[str, Any], where: Where
) -> None:
    routes: list[tuple[str, str]] = []
    default = spec.get("defaultBackend") or spec.get("backend")
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, dict) else None
        for p in (http or {}).get("paths") or []:
            if not isinstance(p, dict):
                continue
            backend = p.get("backend") or {}
            svc = (backend.get("service") or {}).get("name") or backend.get("serviceName")
            if isinstance(svc, str):
                routes.append((str(p.get("path") or "/"), svc))
    if isinstance(default, dict):
        svc = (default.get("service") or {}).get("name") or default.get("serviceName")
        if isinstance(svc, str):
            routes.append(("/", svc))
    gw = builder.add("services", iname, {"kind": "gateway"}, where=where, suffix="ingress")
    report.infer(f"gateway '{gw}' from Ingress '{iname}'", where.file, where.line, gw)
    actor = builder.add(
        "actors", USER_ACTOR, {"title": "External user", "kind": "person"}, ns="actor"
    )
    builder.relate(actor, "call", gw, where=where, via="Ingress")
    seen = set()
    for path, svc in routes:
        if path in seen:
            continue
        seen.add(path)
        builder.relate(
            gw, "route", svc, where=where, props={"path": path[:500]}, via="Ingress rule"
        )


def _netpol(
    builder: DocumentBuilder,
    report: ImportReport,
    workloads: _Workloads,
    pname: str,
    spec: dict[str, Any],
    where: Where,
) -> None:
    target_sel = spec.get("podSelector")
    targets = workloads.select(_pod_selector(target_sel))
    if not targets:
        report.ignore(
            f"NetworkPolicy '{pname}' selects no single workload (empty or unmatched "
            "podSelector); no calls inferred",
            where.file,
            where.line,
        )
        return
    for rule in spec.get("ingress") or []:
        for peer in (rule or {}).get("from") or []:
            sel = peer.get("podSelector") if isinstance(peer, dict) else None
            sources = workloads.select(_pod_selector(sel))
            for s in sources:
                for t in targets:
                    if builder.kind_of(s) == "services":
                        builder.relate(s, "depends", t, where=where, via=f"NetworkPolicy {pname}")


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
