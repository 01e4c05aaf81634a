"""The model seen as C4, for Structurizr and LikeC4: people and external client systems (actors),
one software system (the model) whose containers are its services, datastores and brokers,
external services as software systems of their own, and the relationships between them.

Relationships: actors' and frontends' calls ("Uses"), calls ("Calls", the protocol as
technology), gateway routes ("Routes /path"), data access ("Reads" / "Writes" / "Reads and
writes"), publications to a broker and deliveries from it ("Publishes e" / "Delivers e"). Each
(source, destination, description) once, in model order, so the output is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.archmodel.types import Model

ACCESS = {"read": "Reads", "write": "Writes", "read-write": "Reads and writes"}


@dataclass(slots=True)
class C4Element:
    id: str  # the model's element id
    kind: str  # person | system (external client) | external | container
    name: str
    description: str = ""
    technology: str = ""
    tags: list[str] = field(default_factory=list)  # e.g. ["service", "gateway"], ["datastore"]


@dataclass(slots=True)
class C4Relationship:
    src: str
    dst: str
    description: str
    technology: str = ""


@dataclass(slots=True)
class C4Model:
    id: str  # the model's name: the software system
    name: str
    description: str
    people: list[C4Element] = field(default_factory=list)  # persons and client systems
    containers: list[C4Element] = field(default_factory=list)
    externals: list[C4Element] = field(default_factory=list)
    relationships: list[C4Relationship] = field(default_factory=list)


def c4_model(model: Model) -> C4Model:
    c4 = C4Model(id=model.name, name=model.title or model.name, description=model.description or "")
    for a in model.actors:
        kind = "person" if a.kind == "person" else "system"
        tags = ["person"] if kind == "person" else ["actor", "system"]
        c4.people.append(C4Element(a.id, kind, a.title or a.id, a.description or "", tags=tags))
    for s in model.services:
        element = C4Element(
            s.id,
            "external" if s.kind == "external" else "container",
            s.title or s.id,
            s.description or "",
            technology="" if s.kind == "external" else s.runtime,
            tags=[s.kind, *s.tags] if s.kind != "service" else ["service", *s.tags],
        )
        (c4.externals if s.kind == "external" else c4.containers).append(element)
    for d in model.datastores:
        c4.containers.append(
            C4Element(
                d.id, "container", d.title or d.id, d.description or "", d.kind, ["datastore"]
            )
        )
    for b in model.brokers:
        c4.containers.append(
            C4Element(b.id, "container", b.title or b.id, b.description or "", b.kind, ["broker"])
        )
    seen: set[tuple[str, str, str]] = set()

    def rel(src: str, dst: str, description: str, technology: str = "") -> None:
        if (src, dst, description) not in seen and src != dst:
            seen.add((src, dst, description))
            c4.relationships.append(C4Relationship(src, dst, description, technology))

    events = {e.id: e for e in model.events}
    for a in model.actors:
        for c in a.calls:
            rel(a.id, c.to, "Uses", c.protocol)
    for s in model.services:
        for route in s.routes:
            rel(s.id, route.to, f"Routes {route.path}", "http")
        for c in s.calls:
            rel(s.id, c.to, "Uses" if s.kind == "frontend" else "Calls", c.protocol)
        for access in s.data:
            rel(s.id, access.store, ACCESS.get(access.access, "Uses"))
        for p in s.publishes:
            if p.event in events:
                rel(s.id, events[p.event].broker, f"Publishes {p.event}", "async")
    for s in model.services:
        for sub in s.subscribes:
            if sub.event in events:
                rel(events[sub.event].broker, s.id, f"Delivers {sub.event}", "async")
    return c4
