"""``import_kubernetes``: reads every object of the input, then builds the document."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..builder import DocumentBuilder, Where
from ..common import as_dict, hosts_in, short_host
from ..compose.clues import connection_string, database_url
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
    } - {None}
    default_name = next(iter(namespaces)) if len(namespaces) == 1 else None
    if default_name:
        report.guess(f"model name '{default_name}' from the namespace every object shares")
    service_ports = _service_ports(objects)
    stems = {PurePosixPath(f.name).stem for f in files}
    fallback = next(iter(stems)) if len(stems) == 1 else "kubernetes"
    builder = DocumentBuilder(name or default_name or fallback, report)
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
            tmpl = as_dict(as_dict(obj.get("spec")).get("template"))
            labels = as_dict(tmpl.get("metadata")).get("labels") or {}
            ports: set[Any] = set()
            for k, v in labels.items() if isinstance(labels, dict) else ():
                for selector, targets in service_ports.get((str(k), str(v)), ()):
                    if all(labels.get(sk) == sv for sk, sv in selector.items()):
                        ports |= targets
            ident = _workload(builder, report, doc, obj, oname, where, ports)
            if ident:
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
    seen: set[str] = set()
    for old, _, _doc in workloads:
        ident = workloads.renamed.get(old, old)
        if ident in seen:
            continue
        seen.add(ident)
        element = builder.get(ident)
        if element is None or element.coll != "services":
            continue
        for env_key, value, where in element.fields.pop("x-env", []):
            conn = connection_string(str(value)) or database_url(str(value))
            found = [(conn[0], None)] if conn else hosts_in(env_key, value)
            for host, scheme in found:
                host = short_host(host)
                if builder.lookup(host) is None:
                    continue
                grpc = scheme in ("grpc", "grpcs") or builder.lookup(host) in grpc_targets
                props = {"protocol": "grpc"} if grpc else {}
                builder.relate(
                    ident, "depends", host, where=where, props=props, via=f"env {env_key}"
                )
    _note_unknowns(builder)
    _owners(builder, report)
    return builder.document(), report


def _service_ports(
    objects: list[tuple[Doc, dict[str, Any]]],
) -> dict[tuple[str, str], list[tuple[dict, set[Any]]]]:
    """(selector, target ports) of every Service, indexed by the selector's first label: they
    say which container is the workload (an index keeps 1,000 workloads x 1,000 Services
    linear)."""
    out: dict[tuple[str, str], list[tuple[dict, set[Any]]]] = {}
    for _doc, obj in objects:
        if obj.get("kind") != "Service":
            continue
        spec = as_dict(obj.get("spec"))
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            continue
        ports = {
            p.get("targetPort", p.get("port"))
            for p in spec.get("ports") or []
            if isinstance(p, dict)
        }
        k, v = next(iter(selector.items()))
        out.setdefault((str(k), str(v)), []).append((selector, ports))
    return out


def _owners(builder: DocumentBuilder, report: ImportReport) -> None:
    """A datastore one service alone connects to is owned by it (a guess, reported)."""
    users: dict[str, set[str]] = {}
    for element in builder.elements.values():
        if element.coll != "services":
            continue
        for r in element.refs:
            target = builder._resolve(r["target"], r["ns"])
            if target and builder.kind_of(target) == "datastores":
                users.setdefault(target, set()).add(element.id)
    for store, who in users.items():
        if len(who) == 1:
            owner = next(iter(who))
            store_el = builder.elements[store]
            store_el.fields["owner"] = owner
            store_el.fields["x-imported"] = {
                "guessed": {"owner": f"the only service using it is '{owner}'"}
            }
            report.guess(
                f"'{store}' is owned by '{owner}', the one service that uses it",
                store_el.where.file,
                store_el.where.line,
                store,
            )


def _note_unknowns(builder: DocumentBuilder) -> None:
    """Manifests say nothing of call timeouts or circuit breakers: the calls' resilience is
    unknown (x-imported), so the rules do not fail CI on it."""
    for element in builder.elements.values():
        if element.coll == "services" and any(
            r["kind"] in ("depends", "call")
            and builder.kind_of(builder._resolve(r["target"], r["ns"]) or "") == "services"
            for r in element.refs
        ):
            element.fields["x-imported"] = {"unknown": ["resilience"]}
