"""The C4 element tree that the Structurizr DSL and LikeC4 readers produce, and how it becomes a
``workbench/v1`` document (shared by ``structurizr`` and ``likec4``).

C4 has people, software systems, containers and components; the workbench has actors, domains,
services (of kinds service/frontend/external), datastores and brokers. The mapping:

- people (and LikeC4 kinds named like actor/person/user/customer/staff) → actors;
- an element that groups container-level elements (a software system with containers, a LikeC4
  element with children of its own) → a domain for the services inside it;
- a container-level element (a Structurizr container; a LikeC4 element inside such a group, or a
  top-level one that is not a system) → a datastore (database/storage words or shapes), a broker
  (queue/topic words or shapes), a frontend (browser/mobile/SPA) or a service (its technology
  gives the runtime);
- a software system without containers → an external service;
- components → their container (relationships from and to them are lifted to it);
- relationships → calls (service → service, protocol from the technology), data access
  (→ datastore: reads / writes from the words), an actor's calls; others are reported ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .builder import DocumentBuilder, Where
from .report import ImportReport

ACTOR_WORDS = re.compile(r"\b(actor|person|people|user|customer|staff|human|role|client)\b", re.I)
SYSTEM_WORDS = re.compile(r"(system|enterprise|domain|group|boundary|context|landscape)", re.I)
STORE_WORDS = re.compile(
    r"(database|\bdb\b|_db\b|\bdb_|storage|datastore|\bstore\b|\btable\b|schema|bucket|"
    r"postgres|mysql|mariadb|oracle|sql|mongo|redis|cassandra|elastic|dynamo|s3\b|cylinder)",
    re.I,
)
BROKER_WORDS = re.compile(
    r"(queue|topic|broker|\bbus\b|kafka|rabbit|nats|\bsqs\b|\bsns\b|pub/?sub|event hub|pipe)", re.I
)
FRONTEND_WORDS = re.compile(
    r"(browser|web ?app|\bspa\b|single[- ]page|mobile|frontend|front-end|\bui\b|angular|react|"
    r"\bvue\b|xamarin|ios|android)",
    re.I,
)
RUNTIMES = (
    (
        "node",
        re.compile(
            r"(node|javascript|typescript|express|fastify|nest|\bvue\b|react|angular)", re.I
        ),
    ),
    ("java", re.compile(r"(\bjava\b|spring|kotlin|scala|jvm)", re.I)),
    ("python", re.compile(r"(python|django|flask|fastapi|fast-api)", re.I)),
    ("go", re.compile(r"\bgo(lang)?\b", re.I)),
    ("dotnet", re.compile(r"(\.net|dotnet|c#|asp|xamarin)", re.I)),
)
STORE_KINDS = (
    ("postgres", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mariadb"),
    ("mongo", "mongodb"),
    ("redis", "redis"),
    ("cassandra", "cassandra"),
    ("elastic", "elasticsearch"),
)
BROKER_KINDS = (("kafka", "kafka"), ("rabbit", "rabbitmq"), ("nats", "nats"), ("redis", "redis"))


@dataclass
class C4Node:
    """One element as written: ``name`` its identifier in its scope (or a made-up one)."""

    name: str
    kind: str  # the keyword or LikeC4 element kind
    title: str
    where: Where
    parent: C4Node | None = None
    description: str = ""
    technology: str = ""
    tags: list[str] = field(default_factory=list)
    shape: str = ""  # LikeC4 spec/style shape, Structurizr tag-derived shape
    children: list[C4Node] = field(default_factory=list)
    role: str = ""  # set by classify(): actor | group | container | external | component
    ident: str = ""  # the workbench id, once added

    @property
    def fqn(self) -> str:
        return f"{self.parent.fqn}.{self.name}" if self.parent else self.name

    def height(self) -> int:
        return 1 + max((c.height() for c in self.children), default=-1)


@dataclass
class C4Relation:
    src: str  # a reference as written (an identifier, a dotted path, "this")
    dst: str
    title: str
    technology: str
    scope: C4Node | None  # where it was written: references resolve from here
    where: Where


@dataclass
class C4Tree:
    title: str = ""
    description: str = ""
    roots: list[C4Node] = field(default_factory=list)
    relations: list[C4Relation] = field(default_factory=list)

    def walk(self) -> list[C4Node]:
        out: list[C4Node] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


def _words(node: C4Node) -> str:
    return " ".join([node.kind, node.shape, node.technology, *node.tags])


def classify(tree: C4Tree, *, person_kinds: set[str], system_kinds: set[str]) -> None:
    """Give every node its role (see the module docstring)."""

    def visit(node: C4Node, inside_container: bool) -> None:
        words = _words(node)
        if inside_container:
            node.role = "component"
        elif node.kind in person_kinds or (
            not node.children and ACTOR_WORDS.search(" ".join([node.kind, node.shape, *node.tags]))
        ):
            node.role = "actor"
        elif node.children and (
            node.kind in system_kinds or node.height() >= 2 or SYSTEM_WORDS.search(node.kind)
        ):
            node.role = "group"
        elif not node.children and (
            node.kind in system_kinds or SYSTEM_WORDS.search(node.kind) or "external" in words
        ):
            node.role = "external"
        else:
            node.role = "container"
        for child in node.children:
            visit(child, inside_container or node.role == "container")

    for root in tree.roots:
        visit(root, False)


def _container_fields(node: C4Node) -> tuple[str, dict[str, Any]]:
    words = _words(node) + " " + node.title
    if STORE_WORDS.search(_words(node)):
        kind = next((k for w, k in STORE_KINDS if w in words.lower()), "other")
        return "datastores", {"kind": kind}
    if BROKER_WORDS.search(_words(node)):
        kind = next((k for w, k in BROKER_KINDS if w in words.lower()), "other")
        return "brokers", {"kind": kind}
    runtime = next((r for r, rx in RUNTIMES if rx.search(node.technology)), "other")
    fields: dict[str, Any] = {"runtime": runtime if node.technology else "other"}
    if FRONTEND_WORDS.search(_words(node)):
        fields["kind"] = "frontend"
    return "services", fields


def _access(title: str) -> str:
    text = title.lower()
    reads, writes = (
        "read" in text or "get" in text,
        "writ" in text or "updat" in text or "stor" in text,
    )
    if reads and not writes:
        return "read"
    if writes and not reads:
        return "write"
    return "read-write"


def _protocol(technology: str) -> str | None:
    text = technology.lower()
    if "grpc" in text:
        return "grpc"
    if "graphql" in text:
        return "graphql"
    return None


def build(tree: C4Tree, b: DocumentBuilder, report: ImportReport, source: str) -> dict[str, Any]:
    """Add the classified tree to the builder and return the document."""
    if tree.title:
        b.title = tree.title
    if tree.description:
        b.description = tree.description
    owner: dict[int, C4Node] = {}  # id(node) -> the node that stands for it (components lifted)
    for node in tree.walk():
        w = node.where
        label = node.title if node.name.startswith("_") else node.name  # anonymous: its title
        details: dict[str, Any] = {}
        if node.title and node.title != node.name:
            details["title"] = node.title[:200]
        if node.description:
            details["description"] = node.description[:2000]
        if node.role == "group":
            node.ident = b.add("domains", node.fqn, details, where=w, label=label)
            report.infer(
                f"domain '{node.ident}' from {source} {node.kind} '{node.title}'",
                w.file,
                w.line,
                node.ident,
            )
        elif node.role == "actor":
            kind = (
                "person" if ACTOR_WORDS.search(_words(node)) or node.kind == "person" else "system"
            )
            node.ident = b.add("actors", node.fqn, {"kind": kind, **details}, where=w, label=label)
        elif node.role == "external":
            node.ident = b.add(
                "services", node.fqn, {"kind": "external", **details}, where=w, label=label
            )
            report.infer(
                f"external system '{node.ident}' from {source} {node.kind} '{node.title}'",
                w.file,
                w.line,
                node.ident,
            )
        elif node.role == "container":
            coll, fields = _container_fields(node)
            group = _group_of(node)
            if group is not None and coll == "services":
                fields["domain"] = group.ident
            node.ident = b.add(coll, node.fqn, {**fields, **details}, where=w, label=label)
            report.infer(
                f"{coll[:-1]} '{node.ident}' from {source} {node.kind} '{node.title}'",
                w.file,
                w.line,
                node.ident,
            )
            if coll == "services" and not node.technology:
                report.guess(
                    f"'{node.ident}': no technology; runtime 'other'", w.file, w.line, node.ident
                )
        else:  # component: stands for its container
            up = node.parent
            while up is not None and up.role == "component":
                up = up.parent
            if up is not None:
                owner[id(node)] = up
                report.ignore(
                    f"component '{node.title}' of '{up.ident}': its relationships are the container's",
                    w.file, w.line, up.ident,
                )  # fmt: skip
    resolve = _resolver(tree)
    for rel in tree.relations:
        src, dst = resolve(rel.src, rel.scope), resolve(rel.dst, rel.scope)
        w = rel.where
        if src is None or dst is None:
            missing = rel.src if src is None else rel.dst
            report.ignore(
                f"relationship {rel.src} -> {rel.dst}: '{missing}' is not an element here",
                w.file,
                w.line,
            )
            continue
        src, dst = owner.get(id(src), src), owner.get(id(dst), dst)
        if src is dst:
            continue
        if "group" in (src.role, dst.role):
            report.ignore(
                f"relationship '{src.title}' -> '{dst.title}' is between systems, not containers; "
                "the containers' relationships carry it",
                w.file, w.line,
            )  # fmt: skip
            continue
        if src.role not in ("actor", "container") or (src.role == "actor" and dst.role == "actor"):
            report.ignore(
                f"relationship '{src.title}' -> '{dst.title}' ({rel.title or 'uses'}): the model keeps only what services and actors use",
                w.file,
                w.line,
            )
            continue
        via = rel.title[:80] if rel.title else ""
        if b.kind_of(dst.ident) == "datastores":
            b.relate(
                src.ident, "data", dst.ident, where=w, props={"access": _access(rel.title)}, via=via
            )
        else:
            protocol = _protocol(rel.technology)
            props = {"protocol": protocol} if protocol and src.role != "actor" else {}
            b.relate(src.ident, "call", dst.ident, where=w, props=props, via=via)
    return b.document()


def _group_of(node: C4Node) -> C4Node | None:
    up = node.parent
    while up is not None and up.role != "group":
        up = up.parent
    return up


def _resolver(tree: C4Tree) -> Any:
    by_fqn: dict[str, C4Node] = {}
    by_name: dict[str, list[C4Node]] = {}
    for node in tree.walk():
        by_fqn[node.fqn] = node
        by_name.setdefault(node.name, []).append(node)

    def resolve(ref: str, scope: C4Node | None) -> C4Node | None:
        if ref in ("this", "it"):
            return scope
        if ref in by_fqn:
            return by_fqn[ref]
        # Relative to the scope and its ancestors (LikeC4, Structurizr hierarchical ids).
        up = scope
        while up is not None:
            hit = by_fqn.get(f"{up.fqn}.{ref}")
            if hit is not None:
                return hit
            up = up.parent
        candidates = by_name.get(ref.rsplit(".", 1)[-1], [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates and scope is not None:  # the one closest to where it was written
            return max(candidates, key=lambda c: len(_common(c.fqn, scope.fqn)))
        return candidates[0] if candidates else None

    return resolve


def _common(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        n += 1
    return ".".join(a.split(".")[:n])
