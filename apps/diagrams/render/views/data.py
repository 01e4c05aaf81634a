"""The data view: services and datastores, clustered by domain; ownership, shared and foreign
access."""

from __future__ import annotations

from apps.archmodel.types import Model, Service

from ..graph import Diagram, Edge, Node
from .common import _domain_clusters, service_node


def _data_edge(s: Service, store_owner: str | None, store: str, access: str) -> Edge:
    label: str | None
    if store_owner == s.id:
        kind, label = "own", None if access == "read-write" else f"owner, {access} only"
    elif store_owner:
        kind, label = "foreign", f"foreign {access}"
    else:
        kind, label = access, access
    return Edge(src=s.id, dst=store, kind=kind, label=label)


def data_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="data", title="", rankdir="LR")
    domains = _domain_clusters(model, d)
    services = model.service_map
    users: dict[str, set[str]] = {}
    for s in model.services:
        for access in s.data:
            users.setdefault(access.store, set()).add(s.id)
    owners = {ds.owner for ds in model.datastores if ds.owner}
    for s in model.services:
        if s.data or s.id in owners:
            d.add_node(service_node(s, domains.get(s.domain or "")))
    for ds in model.datastores:
        owner = services.get(ds.owner or "")
        n_users = len(users.get(ds.id, ()))
        detail = ds.kind + (f" · shared by {n_users}" if n_users > 1 else "")
        d.add_node(
            Node(
                id=ds.id,
                label=ds.label,
                kind="datastore",
                detail=detail,
                cluster=domains.get(owner.domain or "") if owner else None,
                shared=n_users > 1,
            )
        )
    store_owner = {ds.id: ds.owner for ds in model.datastores}
    for s in model.services:
        for access in s.data:
            d.add_edge(_data_edge(s, store_owner.get(access.store), access.store, access.access))
    return d
