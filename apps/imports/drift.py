"""Drift: what a model says against what a deployment description (a compose file or
Kubernetes manifests, read by the importers) says.

``drift(model_document, deployed_document)`` → drift items ``{kind, element, expected,
actual, message}``; kinds: ``not-deployed`` (modelled, not in the deployment),
``not-modelled`` (deployed, not in the model), ``call-not-deployed`` / ``call-not-modelled``
(a dependency on one side only: calls and data access), ``replicas``, ``health`` and
``exposure`` (public in one, not in the other). Framework-free.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .importers import ImportInputError, SourceFile
from .importers.reader import read_yaml

# Services that never run as containers of the deployment.
NOT_DEPLOYED_KINDS = ("external", "frontend")


@dataclass(frozen=True, slots=True)
class DriftItem:
    kind: str
    element: str
    expected: Any
    actual: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _by_id(doc: dict[str, Any], coll: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in doc.get(coll, []) if isinstance(e, dict)}


def _effective(doc: dict[str, Any], service: dict[str, Any], field: str, default: Any) -> Any:
    if field in service:
        return service[field]
    defaults = (doc.get("defaults") or {}).get("service") or {}
    return defaults.get(field, default)


def _deps(service: dict[str, Any]) -> set[str]:
    out = set()
    for c in service.get("calls", []):
        out.add(c["to"] if isinstance(c, dict) else c)
    for d in service.get("data", []):
        out.add(d["store"] if isinstance(d, dict) else d)
    return out


def _public(doc: dict[str, Any]) -> set[str]:
    out = set()
    for actor in doc.get("actors", []):
        for c in actor.get("calls", []):
            out.add(c["to"] if isinstance(c, dict) else c)
    return out


def _replicas_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: value[k] for k in ("min", "max") if k in value}
    return value


def drift(model: dict[str, Any], deployed: dict[str, Any]) -> list[DriftItem]:
    items: list[DriftItem] = []
    m_services, d_services = _by_id(model, "services"), _by_id(deployed, "services")
    # A modelled service may run under another container name.
    container = {
        (s.get("deploy") or {}).get("container", sid): sid for sid, s in m_services.items()
    }
    rename = {
        dep: container[dep] for dep in d_services if dep in container and dep not in m_services
    }
    d_services = {rename.get(k, k): v for k, v in d_services.items()}

    def canon(i: str) -> str:
        return rename.get(i, i)

    for coll, label in (
        ("services", "service"),
        ("datastores", "datastore"),
        ("brokers", "broker"),
    ):
        mine = m_services if coll == "services" else _by_id(model, coll)
        theirs = d_services if coll == "services" else _by_id(deployed, coll)
        for ident, element in mine.items():
            if coll == "services" and element.get("kind") in NOT_DEPLOYED_KINDS:
                continue
            if ident not in theirs:
                items.append(
                    DriftItem(
                        "not-deployed",
                        ident,
                        label,
                        None,
                        f"{label} '{ident}' is in the model but not deployed",
                    )
                )
        for ident in theirs:
            if ident not in mine:
                items.append(
                    DriftItem(
                        "not-modelled",
                        ident,
                        None,
                        label,
                        f"{label} '{ident}' is deployed but not in the model",
                    )
                )
    m_public, d_public = _public(model), {canon(i) for i in _public(deployed)}
    for ident, service in m_services.items():
        dep = d_services.get(ident)
        if dep is None:
            continue
        expected = _deps(service)
        actual = {canon(i) for i in _deps(dep)}
        for t in sorted(expected - actual):
            items.append(
                DriftItem(
                    "call-not-deployed",
                    f"{ident}->{t}",
                    t,
                    None,
                    f"'{ident}' depends on '{t}' in the model; the deployment "
                    "shows no such dependency",
                )
            )
        for t in sorted(actual - expected):
            items.append(
                DriftItem(
                    "call-not-modelled",
                    f"{ident}->{t}",
                    None,
                    t,
                    f"'{ident}' depends on '{t}' in the deployment; the model does not say so",
                )
            )
        want = _replicas_text(_effective(model, service, "replicas", 1))
        have = _replicas_text(dep.get("replicas", 1))
        if want != have:
            items.append(
                DriftItem(
                    "replicas",
                    ident,
                    want,
                    have,
                    f"'{ident}' has {want} replica(s) in the model, {have} deployed",
                )
            )
        want_h = bool(_effective(model, service, "health", False))
        have_h = bool(dep.get("health", False))
        if want_h != have_h:
            items.append(
                DriftItem(
                    "health",
                    ident,
                    want_h,
                    have_h,
                    f"'{ident}' {'has' if want_h else 'has no'} health checks in the model, "
                    f"{'has' if have_h else 'has no'} health check deployed",
                )
            )
        if (ident in m_public) != (ident in d_public):
            items.append(
                DriftItem(
                    "exposure",
                    ident,
                    "public" if ident in m_public else "internal",
                    "public" if ident in d_public else "internal",
                    f"'{ident}' is {'public' if ident in m_public else 'internal'} in the model but "
                    f"{'public' if ident in d_public else 'internal'} deployed",
                )
            )
    order = {
        "not-deployed": 0,
        "not-modelled": 1,
        "call-not-deployed": 2,
        "call-not-modelled": 3,
        "replicas": 4,
        "health": 5,
        "exposure": 6,
    }
    items.sort(key=lambda i: (order.get(i.kind, 9), i.element))
    return items


def drift_text(items: list[DriftItem]) -> str:
    if not items:
        return "no drift\n"
    lines = [f"{i.kind:18} {i.element}: {i.message}" for i in items]
    return "\n".join(lines) + f"\n{len(items)} drift item(s)\n"


def deployment_kind(files: list[SourceFile]) -> str:
    """compose when every file (env files aside) is a single document with a top-level
    ``services`` mapping, else kubernetes."""
    from .importers.compose.project import is_env_file

    yaml_files = [f for f in files if not is_env_file(f.name)]
    if not yaml_files:
        return "kubernetes"
    for f in yaml_files:
        try:
            docs = read_yaml(f.content, f.name, multi=True, aliases=True)
        except ImportInputError:
            return "kubernetes"
        if not (
            len(docs) == 1
            and isinstance(docs[0].data, dict)
            and isinstance(docs[0].data.get("services"), dict)
        ):
            return "kubernetes"
    return "compose"
