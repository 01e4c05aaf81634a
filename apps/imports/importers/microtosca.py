"""MicroTOSCA (microFreshener's YAML, and its JSON export) → ``workbench/v1``.

Nodes: Service → service, Database/Datastore → datastore, MessageBroker → broker,
MessageRouter/ApiGateway → gateway (a Kubernetes-service router with one target is folded into
that target), CircuitBreaker → ignored. Interactions (``interaction``/``run_time``
requirements, JSON ``links``) become calls or data access; their relationship properties map
to call settings: ``timeout`` → ``timeout_ms`` (a guessed 1000 ms: MicroTOSCA says there is a
timeout, not how long), ``circuit_breaker`` → ``circuit_breaker: true``,
``dynamic_discovery: false`` → ``discovery: static``. Groups: Edge → public entry points
(an external user calls the members), Team/Squad → teams.
"""

from __future__ import annotations

from typing import Any

from .builder import DocumentBuilder, Where
from .reader import Doc, read_one
from .report import ImportInputError, ImportReport
from .sources import SourceFile

GUESSED_TIMEOUT_MS = 1000
STORE_KINDS = ("postgres", "mysql", "mariadb", "mongodb", "redis", "cassandra", "elasticsearch")
BROKER_KINDS = {"rabbit": "rabbitmq", "kafka": "kafka", "nats": "nats", "redis": "redis"}

Node = tuple[str, str, Where]  # name, type, where
Link = tuple[str, str, dict[str, Any], Where]  # source, target, relationship properties, where
Group = tuple[str, str, list[str], Where]  # name, type, members, where
Topology = tuple[list[Node], list[Link], list[Group]]


def _node_kind(ntype: str) -> str:
    t = ntype.lower().replace("micro.nodes.", "")
    if "kservice" in t or "kubernetes" in t:
        return "kservice"
    for key, kind in (
        ("service", "service"),
        ("database", "datastore"),
        ("datastore", "datastore"),
        ("messagebroker", "broker"),
        ("messagerouter", "gateway"),
        ("apigateway", "gateway"),
        ("gateway", "gateway"),
        ("circuitbreaker", "ignore"),
        ("compute", "ignore"),
    ):
        if t.startswith(key) or t == key:
            return kind
    return "unknown"


def import_microtosca(
    files: list[SourceFile], *, name: str | None = None
) -> tuple[dict, ImportReport]:
    if len(files) != 1:
        raise ImportInputError.one(f"a MicroTOSCA import reads exactly one file, got {len(files)}")
    doc = read_one(files[0].content, files[0].name)
    data = doc.data
    report = ImportReport()
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        nodes, links, groups = _from_json(doc)
        default_name = data.get("name")
    elif isinstance(data, dict) and isinstance(data.get("topology_template"), dict):
        nodes, links, groups = _from_yaml(doc, report)
        default_name = None
    else:
        raise ImportInputError.one(
            "expected MicroTOSCA: YAML with 'topology_template.node_templates' or microFreshener "
            "JSON with 'nodes' and 'links'",
            doc.file,
            doc.line0,
        )
    b = DocumentBuilder(name or str(default_name or files[0].name.rsplit(".", 1)[0]), report)
    if isinstance(data.get("description"), str):
        b.description = data["description"].strip()
    folded: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for nname, ntype, where in nodes:
        kind = _node_kind(ntype)
        kinds[nname] = kind
        lower = nname.lower()
        if kind == "service":
            ident = b.add("services", nname, {"runtime": "other"}, where=where, suffix="svc")
            report.infer(f"service '{ident}' from {ntype}", where.file, where.line, ident)
        elif kind == "datastore":
            dkind = next((k for k in STORE_KINDS if k[:5] in lower), "other")
            ident = b.add("datastores", nname, {"kind": dkind}, where=where, suffix="db")
            report.guess(
                f"datastore '{ident}' from {ntype}; kind {dkind} (from its name)",
                where.file,
                where.line,
                ident,
            )
        elif kind == "broker":
            bkind = next((v for k, v in BROKER_KINDS.items() if k in lower), "other")
            ident = b.add("brokers", nname, {"kind": bkind}, where=where, suffix="broker")
            report.guess(
                f"broker '{ident}' from {ntype}; kind {bkind} (from its name)",
                where.file,
                where.line,
                ident,
            )
        elif kind in ("gateway", "kservice"):
            targets = {t for s, t, _, _ in links if s == nname}
            if kind == "kservice" and len(targets) == 1:
                folded[nname] = next(iter(targets))
                report.infer(
                    f"Kubernetes service '{nname}' routes to '{folded[nname]}'; folded into it",
                    where.file,
                    where.line,
                )
                continue
            ident = b.add(
                "services", nname, {"kind": "gateway", "runtime": "other"}, where=where, suffix="gw"
            )
            report.infer(f"gateway '{ident}' from {ntype}", where.file, where.line, ident)
        else:
            report.ignore(
                f"node '{nname}' of type {ntype} is not part of the model", where.file, where.line
            )
    heights = _timed_heights(
        [
            (s, folded.get(d, d))
            for s, d, p, _ in links
            if p.get("timeout") is True and s not in folded
        ]
    )
    notes: dict[str, dict[str, str]] = {}
    for src, dst, props, where in links:
        dst = folded.get(dst, dst)
        if src in folded:
            continue
        source = b.lookup(src)
        if source is None:
            report.ignore(
                f"interaction from '{src}', which is not imported", where.file, where.line
            )
            continue
        call_props: dict[str, Any] = {}
        if props.get("timeout") is True:
            timeout = GUESSED_TIMEOUT_MS * (1 + heights.get(dst, 0))
            call_props["timeout_ms"] = timeout
            report.guess(
                f"'{src}' → '{dst}' has a timeout; {timeout} ms is a guess (MicroTOSCA does not "
                f"say how long): {GUESSED_TIMEOUT_MS} ms per timed hop below it, so that no "
                "guessed timeout is shorter than the chain it waits for",
                where.file,
                where.line,
            )
            notes.setdefault(source, {})[f"timeout_ms to {dst}"] = (
                "MicroTOSCA says there is a timeout, not how long"
            )
        if props.get("circuit_breaker") is True:
            call_props["circuit_breaker"] = True
        if props.get("dynamic_discovery") is False:
            call_props["discovery"] = "static"
        target_kind = kinds.get(dst)
        b.relate(
            source,
            "depends" if target_kind != "service" else "call",
            dst,
            where=where,
            props=call_props if target_kind in ("service", "gateway", "kservice") else {},
            via="interaction",
        )
    for ident, guessed in notes.items():
        element = b.get(ident)
        if element is not None:
            element.fields["x-imported"] = {"guessed": guessed}
    for element in b.elements.values():  # MicroTOSCA says nothing of replicas
        if element.coll in ("brokers", "datastores") or element.fields.get("kind") == "gateway":
            element.fields.setdefault("x-imported", {})["unknown"] = ["replicas"]
    for gname, gtype, members, where in groups:
        gt = gtype.lower()
        if "edge" in gt:
            for m in members:
                m = folded.get(m, m)
                member = b.lookup(m)
                if member and b.kind_of(member) == "services":
                    actor = b.user_actor()
                    b.relate(actor, "call", member, where=where, via=f"edge group {gname}")
                else:
                    report.ignore(
                        f"edge group member '{m}' is not a service; public access to "
                        "it is not modelled",
                        where.file,
                        where.line,
                    )
        elif "team" in gt or "squad" in gt:
            team = b.add("teams", gname, where=where, ns="team", suffix="team")
            report.infer(f"team '{team}' from group '{gname}'", where.file, where.line, team)
            for m in members:
                member = b.lookup(folded.get(m, m))
                element = b.get(member) if member else None
                if element and element.coll == "services":
                    element.fields["team"] = team
                elif element:
                    report.ignore(
                        f"team '{team}' member '{m}' is a {element.coll[:-1]}; only "
                        "services have a team in the model",
                        where.file,
                        where.line,
                    )
        else:
            report.ignore(
                f"group '{gname}' of type {gtype} is not understood", where.file, where.line
            )
    return b.document(), report


def _timed_heights(edges: list[tuple[str, str]]) -> dict[str, int]:
    """For each node, the most timed calls in a row below it (a loop counts once), so that a
    guessed timeout can grow with the chain it waits for instead of inverting the budget."""
    out_edges: dict[str, list[str]] = {}
    for a, b in edges:
        out_edges.setdefault(a, []).append(b)
    heights: dict[str, int] = {}
    for start in out_edges:
        if start in heights:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        on_path: set[str] = set()
        while stack:
            node, i = stack.pop()
            if i == 0:
                on_path.add(node)
            children = out_edges.get(node, [])
            if i < len(children):
                stack.append((node, i + 1))
                child = children[i]
                if child not in heights and child not in on_path:
                    stack.append((child, 0))
                continue
            on_path.discard(node)
            heights[node] = max(
                (1 + heights.get(c, 0) for c in children if c in heights), default=0
            )
    return heights


def _from_yaml(doc: Doc, report: ImportReport) -> Topology:
    data = doc.data
    topo = data["topology_template"]
    templates = topo.get("node_templates")
    if not isinstance(templates, dict):
        raise ImportInputError.one(
            "expected 'node_templates' mapping under topology_template", doc.file, doc.line(topo)
        )
    rels = (
        topo.get("relationship_templates")
        if isinstance(topo.get("relationship_templates"), dict)
        else {}
    )
    nodes: list[Node] = []
    links: list[Link] = []
    groups: list[Group] = []
    for nname, node in templates.items():
        where = Where(doc.file, doc.line(templates, nname))
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise ImportInputError.one(f"node '{nname}' needs a 'type'", doc.file, where.line)
        nodes.append((str(nname), node["type"], where))
        for i, req in enumerate(node.get("requirements") or []):
            if not isinstance(req, dict) or len(req) != 1:
                continue
            ((rkind, value),) = req.items()
            rwhere = Where(doc.file, doc.line(node["requirements"], i))
            if rkind == "deployment_time":
                report.ignore(
                    f"'{nname}' needs '{value if isinstance(value, str) else value.get('node')}' "
                    "at deployment time only; not a runtime dependency",
                    rwhere.file,
                    rwhere.line,
                )
                continue
            if rkind not in ("interaction", "run_time"):
                report.ignore(
                    f"requirement '{rkind}' of '{nname}' is not an interaction",
                    rwhere.file,
                    rwhere.line,
                )
                continue
            props: dict[str, Any] = {}
            if isinstance(value, dict):
                target = value.get("node")
                rel = value.get("relationship")
                if isinstance(rel, str):
                    tmpl = rels.get(rel)
                    if isinstance(tmpl, dict) and isinstance(tmpl.get("properties"), dict):
                        props = tmpl["properties"]
                    else:
                        report.ignore(
                            f"relationship '{rel}' is not defined", rwhere.file, rwhere.line
                        )
            else:
                target = value
            if isinstance(target, str):
                links.append((str(nname), target, props, rwhere))
    raw_groups = topo.get("groups") if isinstance(topo.get("groups"), dict) else {}
    for gname, group in raw_groups.items():
        if isinstance(group, dict):
            members = [str(m) for m in group.get("members") or []]
            groups.append(
                (
                    str(gname),
                    str(group.get("type", "")),
                    members,
                    Where(doc.file, doc.line(raw_groups, gname)),
                )
            )
    return nodes, links, groups


_JSON_TYPES = {
    "service": "micro.nodes.Service",
    "database": "micro.nodes.Database",
    "datastore": "micro.nodes.Datastore",
    "messagebroker": "micro.nodes.MessageBroker",
    "messagerouter": "micro.nodes.MessageRouter",
    "kservice": "micro.nodes.KService",
    "kingress": "micro.nodes.MessageRouter",
    "kproxy": "micro.nodes.MessageRouter",
    "apigateway": "micro.nodes.ApiGateway",
    "circuitbreaker": "micro.nodes.CircuitBreaker",
}


def _from_json(doc: Doc) -> Topology:
    data = doc.data
    nodes: list[Node] = []
    links: list[Link] = []
    groups: list[Group] = []
    for i, node in enumerate(data["nodes"]):
        where = Where(doc.file, doc.line(data["nodes"], i))
        if not isinstance(node, dict) or not isinstance(node.get("name"), str):
            raise ImportInputError.one(
                "each node needs a 'name' and a 'type'", doc.file, where.line
            )
        ntype = str(node.get("type", ""))
        nodes.append((node["name"], _JSON_TYPES.get(ntype.lower(), ntype), where))
    for i, link in enumerate(data.get("links") or []):
        where = Where(doc.file, doc.line(data["links"], i))
        if isinstance(link, dict) and link.get("type", "interaction") in ("interaction", "runtime"):
            props = {
                k: link[k] for k in ("timeout", "circuit_breaker", "dynamic_discovery") if k in link
            }
            links.append((str(link.get("source")), str(link.get("target")), props, where))
    for i, group in enumerate(data.get("groups") or []):
        if isinstance(group, dict):
            gtype = {
                "edgegroup": "micro.groups.Edge",
                "squadgroup": "micro.groups.Team",
                "teamgroup": "micro.groups.Team",
            }.get(str(group.get("type")), str(group.get("type")))
            groups.append(
                (
                    str(group.get("name")),
                    gtype,
                    [str(m) for m in group.get("members") or []],
                    Where(doc.file, doc.line(data["groups"], i)),
                )
            )
    return nodes, links, groups
