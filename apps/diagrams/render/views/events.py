"""The events view: producers -> events (one cluster per broker) -> consumers."""

from __future__ import annotations

from apps.archmodel.types import Model

from ..graph import Cluster, Diagram, Edge, Node
from .common import service_node


def events_view(model: Model, *, symbols: bool = True) -> Diagram:
    d = Diagram(view="events", title="", rankdir="LR")
    for broker in model.brokers:
        detail = broker.kind + (" · ESB" if broker.role == "esb" else "")
        d.add_cluster(
            Cluster(
                id=f"broker:{broker.id}",
                label=f"{broker.label} ({detail})",
                kind="broker",
                members=(broker.id,),
            )
        )
    for s in model.services:
        if s.publishes or s.subscribes:
            d.add_node(service_node(s))
    for ev in model.events:
        detail = ev.id if ev.title else ""
        if ev.channel and ev.channel != ev.id:
            detail = " · ".join(p for p in (detail, ev.channel) if p)
        d.add_node(
            Node(
                id=ev.id,
                label=ev.label,
                kind="event",
                cluster=f"broker:{ev.broker}",
                detail=detail or None,
            )
        )
    for s in model.services:
        for pub in s.publishes:
            d.add_edge(
                Edge(
                    src=s.id, dst=pub.event, kind="publish", label="outbox" if pub.outbox else None
                )
            )
        for sub in s.subscribes:
            marks = [sub.group or ""]
            if sub.idempotent:
                marks.append("✓ idempotent" if symbols else "idempotent")
            label = " ".join(m for m in marks if m) or None
            d.add_edge(
                Edge(
                    src=sub.event,
                    dst=s.id,
                    kind="subscribe",
                    label=label,
                    keys=(f"{s.id}->{sub.event}", f"{sub.event}->{s.id}"),
                )
            )
    return d
