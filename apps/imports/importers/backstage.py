"""Backstage catalog files (multi-document) → ``workbench/v1``.

Component (type service/website → service/frontend), API (an api of the component that
provides it), Resource (database → datastore), System and Domain (→ domains), Group (→ team);
relations ``providesApis``, ``consumesApis`` (→ calls), ``dependsOn`` (resource → data access,
component → call), ``owner`` (→ team), ``system``/``domain`` (→ domain). API definitions behind
``$text``/``$json`` URLs and ``Location`` targets are never fetched.
"""

from __future__ import annotations

import re
from typing import Any

from .builder import DocumentBuilder, Where
from .reader import read_one, read_yaml
from .report import ImportInputError, ImportReport
from .sources import SourceFile

STYLES = {"openapi": "rest", "grpc": "grpc", "graphql": "graphql", "trpc": "rest"}
STORE_KINDS = ("postgres", "mysql", "mariadb", "mongodb", "redis", "cassandra", "elasticsearch")


TAG_RUNTIMES = {
    "java": "java", "kotlin": "java", "spring": "java", "spring-boot": "java", "scala": "java",
    "python": "python", "django": "python", "flask": "python", "fastapi": "python",
    "node": "node", "nodejs": "node", "javascript": "node", "typescript": "node",
    "go": "go", "golang": "go", "dotnet": "dotnet", "csharp": "dotnet", "c#": "dotnet",
    "net": "dotnet", "aspnet": "dotnet",
}  # fmt: skip


def _inline_operations(
    text: str, atype: str, where: Where, report: ImportReport, api_id: str
) -> list[dict[str, str]] | None:
    """The operations of an API whose ``definition`` is written inline (OpenAPI)."""
    from .openapi import openapi_operations

    if atype == "grpc":
        names = re.findall(r"^\s*rpc\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(", text, flags=re.M)
        if names:
            report.infer(
                f"api '{api_id}': {len(names)} operation(s) from its inline protobuf definition",
                where.file,
                where.line,
                api_id,
            )
        return [{"name": n[:200]} for n in names] or None
    if atype != "openapi":
        return None
    try:
        doc = read_one(text.encode(), f"{where.file}#definition")
    except ImportInputError:
        report.ignore(
            "its inline definition is not valid YAML/JSON", where.file, where.line, api_id
        )
        return None
    if not isinstance(doc.data, dict) or "paths" not in doc.data:
        return None
    operations = openapi_operations(doc, report, api_id)
    report.infer(
        f"api '{api_id}': {len(operations)} operation(s) from its inline OpenAPI definition",
        where.file,
        where.line,
        api_id,
    )
    return operations


def _resource_owners(
    b: DocumentBuilder, report: ImportReport, resource_teams: dict[str, str | None]
) -> None:
    """A database Resource's owner is a team; the model's owner is a service: the one
    component that depends on it, or the one of them owned by the same team."""
    for rname, team in resource_teams.items():
        store = b.lookup(rname, ns="resource")
        if store is None:
            continue
        users = [
            e for e in b.elements.values()
            if e.coll == "services"
            and any(r["kind"] == "data" and r["target"] == rname for r in e.refs)
        ]  # fmt: skip
        same_team = [u for u in users if team and u.fields.get("team") == team]
        chosen = users if len(users) == 1 else same_team if len(same_team) == 1 else []
        if chosen:
            b.elements[store].fields["owner"] = chosen[0].id
            why = (
                "the one component depending on it"
                if len(users) == 1
                else (f"the one component of its owner team '{team}' depending on it")
            )
            report.guess(f"'{store}' is owned by '{chosen[0].id}', {why}", None, None, store)


def runtime_from_tags(tags: list) -> str | None:
    """Backstage tags such as ``java`` or ``go`` (the catalog's convention for the language)."""
    for tag in tags:
        runtime = TAG_RUNTIMES.get(str(tag).lower().lstrip("."))
        if runtime:
            return runtime
    return None


def _ref(ref: Any, default_kind: str) -> tuple[str, str]:
    """``component:default/artist-lookup`` → ("component", "artist-lookup")."""
    text = str(ref)
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = default_kind, text
    name = rest.rsplit("/", 1)[-1]
    return kind.lower(), name


def import_backstage(
    files: list[SourceFile], *, name: str | None = None
) -> tuple[dict, ImportReport]:
    report = ImportReport()
    entities: list[tuple[dict[str, Any], Where, Any]] = []
    for f in files:
        for doc in read_yaml(f.content, f.name, multi=True):
            data = doc.data
            if data is None:
                continue
            if (
                not isinstance(data, dict)
                or not isinstance(data.get("kind"), str)
                or not str(data.get("apiVersion", "")).startswith("backstage.io/")
            ):
                raise ImportInputError.one(
                    "expected a Backstage entity: 'apiVersion: backstage.io/v1alpha1' and a 'kind'",
                    f.name,
                    doc.line0,
                )
            metadata = data.get("metadata")
            if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
                raise ImportInputError.one(
                    f"{data['kind']} without metadata.name", f.name, doc.line(data, "kind")
                )
            entities.append((data, Where(f.name, doc.line(data, "kind")), doc))
    if not entities:
        raise ImportInputError.one("no Backstage entities found", files[0].name if files else None)
    b = DocumentBuilder(name or "catalog", report)
    by_kind: dict[str, list[tuple[dict[str, Any], Where]]] = {}
    for data, where, _ in entities:
        by_kind.setdefault(data["kind"].lower(), []).append((data, where))

    def spec(e: dict[str, Any]) -> dict[str, Any]:
        value = e.get("spec")
        return value if isinstance(value, dict) else {}

    def meta(e: dict[str, Any]) -> dict[str, Any]:
        return e["metadata"]

    def text_fields(e: dict[str, Any]) -> dict[str, Any]:
        out = {}
        if isinstance(meta(e).get("title"), str):
            out["title"] = meta(e)["title"][:200]
        if isinstance(meta(e).get("description"), str):
            out["description"] = meta(e)["description"][:10_000]
        return out

    for e, where in by_kind.get("group", []):
        ident = b.add(
            "teams", meta(e)["name"], text_fields(e), where=where, ns="group", suffix="team"
        )
        report.infer(f"team '{ident}' from Group", where.file, where.line, ident)
    domain_of_system: dict[str, str] = {}
    for e, where in by_kind.get("domain", []):
        ident = b.add(
            "domains", meta(e)["name"], text_fields(e), where=where, ns="domain", suffix="domain"
        )
        report.infer(f"domain '{ident}' from Domain", where.file, where.line, ident)
    for e, where in by_kind.get("system", []):
        sname = meta(e)["name"]
        dom = spec(e).get("domain")
        if isinstance(dom, str) and b.lookup(_ref(dom, "domain")[1], ns="domain"):
            domain_of_system[sname] = b.lookup(_ref(dom, "domain")[1], ns="domain")  # type: ignore[assignment]
            report.infer(
                f"System '{sname}' is part of domain '{domain_of_system[sname]}'",
                where.file,
                where.line,
            )
        else:
            ident = b.add(
                "domains", sname, text_fields(e), where=where, ns="domain", suffix="domain"
            )
            domain_of_system[sname] = ident
            report.guess(
                f"System '{sname}' has no Domain in the input; it becomes domain '{ident}'",
                where.file,
                where.line,
                ident,
            )

    def team_of(e: dict[str, Any], where: Where) -> str | None:
        owner = spec(e).get("owner")
        if not isinstance(owner, str):
            return None
        kind, oname = _ref(owner, "group")
        if kind == "user":
            report.ignore(f"owner '{owner}' is a user, not a team", where.file, where.line)
            return None
        ident = b.lookup(oname, ns="group")
        if ident is None:
            ident = b.add("teams", oname, where=where, ns="group", suffix="team")
            report.guess(
                f"team '{ident}' from owner '{owner}' (no Group entity in the input)",
                where.file,
                where.line,
                ident,
            )
        return ident

    components = by_kind.get("component", [])
    api_provider: dict[str, tuple[str, str]] = {}  # api name -> (service id, api id)
    for e, where in components:
        ctype = str(spec(e).get("type", "service"))
        cname = meta(e)["name"]
        if ctype == "library":
            report.ignore(
                f"Component '{cname}' is a library; libraries are not imported",
                where.file,
                where.line,
            )
            continue
        fields = text_fields(e)
        if ctype == "website":
            fields["kind"] = "frontend"
        elif ctype != "service":
            report.guess(
                f"Component '{cname}' of type '{ctype}' imported as a service",
                where.file,
                where.line,
            )
        team = team_of(e, where)
        if team:
            fields["team"] = team
        system = spec(e).get("system")
        if isinstance(system, str):
            dom = domain_of_system.get(_ref(system, "system")[1])
            if dom:
                fields["domain"] = dom
        ident = b.add("services", cname, fields, where=where, ns="component", suffix="svc")
        report.infer(
            f"{fields.get('kind', 'service')} '{ident}' from Component",
            where.file,
            where.line,
            ident,
        )
        tags = meta(e).get("tags")
        element = b.get(ident)
        assert element is not None
        if isinstance(tags, list) and tags:
            element.fields["tags"] = [str(t)[:100] for t in tags]
        runtime = runtime_from_tags(tags if isinstance(tags, list) else [])
        element.fields["runtime"] = runtime or "other"
        if runtime:
            report.guess(
                f"'{ident}' runtime {runtime} from its tags", where.file, where.line, ident
            )
    apis = {meta(e)["name"]: (e, where) for e, where in by_kind.get("api", [])}
    for e, where in components:
        found = b.lookup(meta(e)["name"], ns="component")
        if found is None:
            continue
        ident = found
        for ref in spec(e).get("providesApis") or []:
            _, aname = _ref(ref, "api")
            api_entity, awhere = apis.get(aname, (None, where))
            api_id = b.api_id(aname)
            api: dict[str, Any] = {"id": api_id}
            if api_entity is not None:
                api.update(text_fields(api_entity))
                atype = str(spec(api_entity).get("type", ""))
                if atype in STYLES:
                    api["style"] = STYLES[atype]
                elif atype:
                    report.ignore(
                        f"API '{aname}' of type '{atype}' has no model api style; imported as rest",
                        awhere.file,
                        awhere.line,
                        api_id,
                    )
                definition = spec(api_entity).get("definition")
                operations = (
                    _inline_operations(definition, atype, awhere, report, api_id)
                    if isinstance(definition, str)
                    else None
                )
                if operations:
                    api["operations"] = operations
                elif definition is not None:
                    report.ignore(
                        f"API '{aname}': its definition is not read (import it with "
                        "--from openapi to get its operations); URLs are never fetched",
                        awhere.file,
                        awhere.line,
                        api_id,
                    )
            else:
                report.guess(
                    f"API '{aname}' is provided by '{ident}' but not in the input",
                    where.file,
                    where.line,
                    api_id,
                )
            if api_id != aname:
                report.guess(
                    f"api id '{api_id}' for API '{aname}' (ids are unique across the model)",
                    where.file,
                    where.line,
                    api_id,
                )
            b.get(ident).fields.setdefault("apis", []).append(api)  # type: ignore[union-attr]
            api_provider[aname] = (ident, api_id)
            report.infer(f"'{ident}' provides api '{api_id}'", where.file, where.line, ident)
    for aname, (_entity, where) in apis.items():
        if aname not in api_provider:
            report.ignore(
                f"API '{aname}' is provided by no Component of the input", where.file, where.line
            )
    for e, where in components:
        found = b.lookup(meta(e)["name"], ns="component")
        if found is None:
            continue
        ident = found
        for ref in spec(e).get("consumesApis") or []:
            kind, aname = _ref(ref, "api")
            if kind == "component":
                b.relate(
                    ident, "call", aname, where=where, ns="component", via=f"consumesApis {ref}"
                )
                continue
            provider = api_provider.get(aname)
            if provider is None:
                report.ignore(
                    f"'{ident}' consumes API '{aname}', which no Component of the input provides",
                    where.file,
                    where.line,
                    ident,
                )
                continue
            b.relate(
                ident,
                "call",
                provider[0],
                where=where,
                props={"api": provider[1]},
                via=f"consumesApis {ref}",
            )
        parent = spec(e).get("subcomponentOf")
        if isinstance(parent, str):
            _, pname = _ref(parent, "component")
            element = b.get(ident)
            assert element is not None
            element.fields["tags"] = [*element.fields.get("tags", []), f"part-of:{pname}"[:100]]
            report.infer(
                f"'{ident}' is a subcomponent of '{pname}' (tag part-of:{pname}); it stays a "
                "service of its own",
                where.file,
                where.line,
                ident,
            )
        for ref in spec(e).get("dependsOn") or []:
            kind, dname = _ref(ref, "component")
            if kind == "resource":
                b.relate(ident, "data", dname, where=where, ns="resource", via=f"dependsOn {ref}")
            elif kind == "component":
                b.relate(ident, "call", dname, where=where, ns="component", via=f"dependsOn {ref}")
            else:
                report.ignore(
                    f"'{ident}' dependsOn '{ref}': not a component or resource",
                    where.file,
                    where.line,
                    ident,
                )
    resource_teams: dict[str, str | None] = {}
    for e, where in by_kind.get("resource", []):
        rname = meta(e)["name"]
        resource_teams[rname] = team_of(e, where) if spec(e).get("owner") else None
        rtype = str(spec(e).get("type", ""))
        if rtype != "database":
            report.ignore(
                f"Resource '{rname}' of type '{rtype}' is not a database; not imported",
                where.file,
                where.line,
            )
            continue
        kind = next((k for k in STORE_KINDS if k in rname.lower()), "other")
        ident = b.add(
            "datastores",
            rname,
            {"kind": kind, **text_fields(e)},
            where=where,
            ns="resource",
            suffix="db",
        )
        report.guess(
            f"datastore '{ident}' from Resource; kind {kind} (from its name)",
            where.file,
            where.line,
            ident,
        )
    for kind in by_kind:
        if kind not in ("component", "api", "resource", "system", "domain", "group"):
            for e, where in by_kind[kind]:
                reason = (
                    "its targets are other files, never read"
                    if kind == "location"
                    else "not part of the model"
                )
                report.ignore(f"{e['kind']} '{meta(e)['name']}': {reason}", where.file, where.line)
    _resource_owners(b, report, resource_teams)
    b.mark_unknown(resilience=True, replicas=True)  # a catalog describes neither
    return b.document(), report
