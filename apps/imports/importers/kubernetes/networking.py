"""Services (names of workloads, public entry points), Ingresses (a gateway with routes) and
NetworkPolicies (calls)."""

from __future__ import annotations

from typing import Any

from ..builder import DocumentBuilder, Where, slugify
from ..common import as_list
from ..report import ImportReport
from .workloads import _Workloads

USER_ACTOR = "user"
GRPC_TARGETS: dict[int, set[str]] = {}  # builder → workloads whose Service port is named grpc*


def _versions(
    builder: DocumentBuilder,
    report: ImportReport,
    workloads: _Workloads,
    sname: str,
    targets: list[str],
    where: Where,
) -> str:
    """Workloads behind one Service (``reviews-v1``, ``-v2``, ``-v3``) are versions of one
    service, named after the Service; their replicas add up, their versions become tags."""
    keep = targets[0]
    labels = {ident: lab for ident, lab, _doc in workloads}
    versions = []
    for t in targets:
        lab = labels.get(t) or {}
        version = lab.get("version") if isinstance(lab, dict) else None
        versions.append(str(version) if version else t)
    element = builder.get(keep)
    assert element is not None
    total = 0
    for t in targets:
        other = builder.get(t)
        assert other is not None
        r = other.fields.get("replicas", 1)
        total += r if isinstance(r, int) else int((r or {}).get("min", 1))
        if t == keep:
            continue
        element.refs += other.refs
        env = other.fields.get("x-env")
        if env:
            element.fields.setdefault("x-env", []).extend(env)
        for key, value in list(builder.by_name.items()):
            if value == t:
                builder.by_name[key] = keep
        builder.elements.pop(t)
        workloads.renamed[t] = keep
    new = slugify(sname, "service")
    if new != keep and builder.get(new) is None:
        builder.rename(keep, new)
        for old, kept in list(workloads.renamed.items()):
            if kept == keep:
                workloads.renamed[old] = new
        workloads.renamed[keep] = new
        keep = new
    if not isinstance(element.fields.get("replicas"), dict):
        element.fields["replicas"] = total
    element.fields["tags"] = sorted(
        {*element.fields.get("tags", []), *(f"version:{v}"[:100] for v in versions)}
    )
    report.infer(
        f"'{keep}': {', '.join(targets)} are versions ({', '.join(versions)}) of one service "
        f"behind Service '{sname}'",
        where.file,
        where.line,
        keep,
    )
    return keep


def _pod_selector(selector: Any) -> Any:
    """A NetworkPolicy podSelector's matchLabels (matchExpressions are not read)."""
    if not isinstance(selector, dict) or not selector:
        return None
    return selector.get("matchLabels", selector if "matchExpressions" not in selector else {})


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
    if len(targets) > 1 and all(builder.kind_of(t) == "services" for t in targets):
        targets = [_versions(builder, report, workloads, sname, targets, where)]
    target = targets[0]
    named = slugify(sname, "service")
    if (
        target != named
        and builder.kind_of(target) == "services"
        and target.startswith(named + "-")
        and builder.get(named) is None
    ):
        builder.rename(target, named)
        workloads.renamed[target] = named
        report.infer(
            f"'{target}' is service '{named}': the Service that fronts it is named so",
            where.file,
            where.line,
            named,
        )
        target = named
    ports = as_list(spec.get("ports"))
    if any(isinstance(p, dict) and str(p.get("name", "")).startswith("grpc") for p in ports):
        GRPC_TARGETS.setdefault(id(builder), set()).add(target)
    for suffix in ("", ".svc", ".svc.cluster.local"):
        builder.alias(sname + suffix, target)
    report.infer(f"Service '{sname}' names '{target}'", where.file, where.line, target)
    element = builder.get(target)
    if spec.get("type") in ("LoadBalancer", "NodePort") and element and element.coll == "services":
        actor = builder.user_actor()
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
    actor = builder.user_actor()
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
