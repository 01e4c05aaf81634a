"""``import_kubernetes``: reads every object of the input, then builds the document."""

from __future__ import annotations

from typing import Any

from ..builder import DocumentBuilder, Where
from ..common import as_dict, hosts_in, short_host
from ..reader import Doc
from ..report import ImportInputError, ImportReport
from ..sources import SourceFile
from .inputs import _docs, select_files
from .networking import GRPC_TARGETS, _ingress, _netpol, _service
from .workloads import _hpa, _workload, _Workloads

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "DeploymentConfig")
KNOWN = (*WORKLOADS, "Service", "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "List")


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
