"""Building a valid ``workbench/v1`` document from what an importer found.

Importers name things as their source does (``order_db``, ``Swagger Petstore``,
``component:default/artist-lookup``); the builder turns names into ids (slugs, unique across
the model), keeps one element per name, resolves references at the end and moves every
reference it cannot resolve (or that the format cannot express) into the report's ignored
list, so the result always passes ``model_from_data``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apps.archmodel import ModelInvalid, model_from_data
from apps.archmodel.spec import SLUG_RE

from .report import ImportReport

COLLECTIONS = ("domains", "teams", "actors", "services", "datastores", "brokers", "events")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def slugify(name: str, fallback: str = "x") -> str:
    """``Order DB`` → ``order-db``; ``lightMeasured`` → ``light-measured``; never empty,
    always starting with a letter, at most 63 characters."""
    text = _CAMEL.sub("-", str(name)).lower()
    slug = _NON_SLUG.sub("-", text).strip("-")
    if not slug:
        slug = fallback
    if not slug[0].isalpha():
        slug = f"{fallback[0]}-{slug}"
    return slug[:63].rstrip("-") or fallback


@dataclass
class Where:
    file: str | None = None
    line: int | None = None


@dataclass
class Element:
    coll: str
    id: str
    fields: dict[str, Any]
    where: Where
    refs: list[dict[str, Any]] = field(default_factory=list)  # pending references


class DocumentBuilder:
    def __init__(self, name: str, report: ImportReport, title: str | None = None):
        self.name = slugify(name, "imported")
        self.title = title
        self.report = report
        self.elements: dict[str, Element] = {}  # id -> element
        self.by_name: dict[tuple[str, str], str] = {}  # (namespace, source name) -> id
        self.description: str | None = None
        self.api_ids: set[str] = set()
        self.synthetic: set[str] = set()  # ids of elements no input names (the user actor)

    # --- elements ------------------------------------------------------------------------

    def add(
        self,
        coll: str,
        name: str,
        fields: dict[str, Any] | None = None,
        *,
        where: Where | None = None,
        ns: str = "",
        suffix: str = "",
        label: str | None = None,
    ) -> str:
        """Add (or extend) the element named ``name`` (its id made from ``label`` if given,
        else from the name); returns its id."""
        key = (ns, str(name))
        existing = self.by_name.get(key)
        if existing is not None:
            element = self.elements[existing]
            for k, v in (fields or {}).items():
                element.fields.setdefault(k, v)
            return existing
        fallback = {
            "services": "service",
            "datastores": "store",
            "brokers": "broker",
            "events": "event",
            "teams": "team",
            "domains": "domain",
            "actors": "actor",
        }.get(coll, "x")
        label = str(name) if label is None else label
        base = slugify(label, fallback)
        if base in self.synthetic:
            self._rename_synthetic(base)
        ident = base
        if ident in self.elements or ident in self._reserved():
            candidate = f"{base}-{suffix}" if suffix and not base.endswith(f"-{suffix}") else base
            n = 2
            ident = candidate
            while ident in self.elements or ident in self._reserved():
                ident = f"{candidate[:58]}-{n}"
                n += 1
        where = where or Where()
        if ident != label:
            self.report.guess(
                f"id '{ident}' made from the name '{label}'", where.file, where.line, ident
            )
        self.elements[ident] = Element(coll, ident, dict(fields or {}), where)
        self.by_name[key] = ident
        return ident

    def user_actor(self) -> str:
        """The synthetic ``user`` actor that calls public entry points. Every importer uses
        this one: when a real element is (or later becomes) ``user``, the actor is the one
        renamed (``user-actor``), so the same clash gets the same answer everywhere."""
        existing = self.by_name.get(("actor", "user"))
        if existing is not None:
            return existing
        ident = "user" if "user" not in self.elements else "user-actor"
        n = 2
        while ident in self.elements or ident in self._reserved():
            ident = f"user-actor-{n}"
            n += 1
        self.elements[ident] = Element(
            "actors", ident, {"title": "External user", "kind": "person"}, Where()
        )
        self.by_name[("actor", "user")] = ident
        self.synthetic.add(ident)
        return ident

    def rename(self, ident: str, new: str) -> None:
        """Give element ``ident`` the free id ``new``; every name of it follows."""
        element = self.elements.pop(ident)
        element.id = new
        self.elements[new] = element
        for key, value in list(self.by_name.items()):
            if value == ident:
                self.by_name[key] = new

    def _rename_synthetic(self, ident: str) -> None:
        new = f"{ident}-actor"
        n = 2
        while new in self.elements or new in self._reserved():
            new = f"{ident}-actor-{n}"
            n += 1
        self.rename(ident, new)
        self.synthetic.discard(ident)
        self.synthetic.add(new)
        self.report.guess(
            f"the external user actor is '{new}': '{ident}' is the name of an element of the input"
        )

    def mark_unknown(self, *, resilience: bool = False, replicas: bool = False) -> None:
        """Note (``x-imported.unknown``) what the source cannot describe, so the rules do not
        fail CI on it: the resilience of the calls of services that call services, and the
        replicas of brokers, datastores and gateways that state none."""
        for e in self.elements.values():
            unknown: list[str] = []
            if (
                resilience
                and e.coll == "services"
                and any(
                    r["kind"] in ("depends", "call")
                    and self.kind_of(self._resolve(r["target"], r["ns"]) or "") == "services"
                    for r in e.refs
                )
            ):
                unknown.append("resilience")
            if (
                replicas
                and "replicas" not in e.fields
                and (e.coll in ("brokers", "datastores") or e.fields.get("kind") == "gateway")
            ):
                unknown.append("replicas")
            if unknown:
                note = e.fields.setdefault("x-imported", {})
                note["unknown"] = sorted({*note.get("unknown", []), *unknown})

    def remove(self, ident: str) -> None:
        """Take an element out again (an importer learnt it is tooling, or a server of
        databases that are modelled instead)."""
        self.elements.pop(ident, None)
        for key, value in list(self.by_name.items()):
            if value == ident:
                del self.by_name[key]

    def _reserved(self) -> set[str]:
        return self.api_ids

    def lookup(self, name: str, ns: str = "") -> str | None:
        return self.by_name.get((ns, str(name)))

    def get(self, ident: str) -> Element | None:
        return self.elements.get(ident)

    def kind_of(self, ident: str) -> str | None:
        e = self.elements.get(ident)
        return e.coll if e else None

    def api_id(self, name: str) -> str:
        """A fresh id for an api (apis share the one namespace)."""
        base = slugify(name, "api")
        ident = base
        n = 2
        taken = set(self.elements) | self.api_ids
        if ident in taken:
            ident = base if base.endswith("-api") else f"{base}-api"
        while ident in taken:
            ident = f"{base[:58]}-{n}"
            n += 1
        self.api_ids.add(ident)
        return ident

    def alias(self, name: str, ident: str, ns: str = "") -> None:
        """Another source name (a Kubernetes Service, a host name) for an existing element."""
        self.by_name.setdefault((ns, str(name)), ident)

    def relate(
        self,
        source: str,
        kind: str,
        target_name: str,
        *,
        where: Where | None = None,
        ns: str = "",
        props: dict[str, Any] | None = None,
        via: str = "",
    ) -> None:
        """A pending reference from element ``source``: ``kind`` is "depends" (call or data
        access, decided by the target's kind), "call", "data", "publish", "subscribe",
        "route", "actor-call". Resolved by ``build``."""
        self.elements[source].refs.append(
            {
                "kind": kind,
                "target": str(target_name),
                "ns": ns,
                "props": props or {},
                "where": where or Where(),
                "via": via,
            }
        )

    # --- result --------------------------------------------------------------------------

    def _resolve(self, target: str, ns: str) -> str | None:
        ident = self.by_name.get((ns, target))
        if ident is None and ns:
            ident = self.by_name.get(("", target))
        if ident is None and target in self.elements:
            ident = target
        return ident

    def _apply_refs(self) -> None:
        for element in list(self.elements.values()):
            seen: set[tuple[str, str]] = set()
            for ref in element.refs:
                where: Where = ref["where"]
                target = self._resolve(ref["target"], ref["ns"])
                via = f" ({ref['via']})" if ref["via"] else ""
                if target is None:
                    self.report.ignore(
                        f"'{element.id}' refers to '{ref['target']}'{via}, which is not described "
                        "in the input; reference dropped",
                        where.file,
                        where.line,
                        element.id,
                    )
                    continue
                if target == element.id:
                    continue
                tkind = self.elements[target].coll
                kind = ref["kind"]
                if element.coll not in ("services", "actors"):
                    self.report.ignore(
                        f"'{element.id}' ({element.coll[:-1]}) depends on '{target}'{via}; only "
                        "services have dependencies in the model",
                        where.file,
                        where.line,
                        element.id,
                    )
                    continue
                if kind in ("depends", "call") and tkind == "services":
                    if (element.id, "call:" + target) in seen:
                        continue
                    seen.add((element.id, "call:" + target))
                    call = {"to": target, **ref["props"]}
                    element.fields.setdefault("calls", []).append(call)
                    self.report.infer(
                        f"'{element.id}' calls '{target}'{via}",
                        where.file,
                        where.line,
                        f"{element.id}->{target}",
                    )
                elif kind in ("depends", "data") and tkind == "datastores":
                    if element.coll != "services":
                        continue
                    if (element.id, "data:" + target) in seen:
                        continue
                    seen.add((element.id, "data:" + target))
                    access = ref["props"].get("access")
                    entry: Any = (
                        {"store": target, "access": access}
                        if access and access != "read-write"
                        else target
                    )
                    element.fields.setdefault("data", []).append(entry)
                    self.report.infer(
                        f"'{element.id}' accesses datastore '{target}'{via}",
                        where.file,
                        where.line,
                        element.id,
                    )
                elif kind == "depends" and tkind == "brokers":
                    self.report.ignore(
                        f"'{element.id}' uses broker '{target}'{via}; the model records broker "
                        "use as published/subscribed events, and the input does not name them",
                        where.file,
                        where.line,
                        element.id,
                    )
                elif kind in ("publish", "subscribe") and tkind == "events":
                    key = "publishes" if kind == "publish" else "subscribes"
                    if (element.id, f"{key}:{target}") in seen:
                        continue
                    seen.add((element.id, f"{key}:{target}"))
                    element.fields.setdefault(key, []).append(target)
                elif kind == "route" and tkind == "services":
                    element.fields.setdefault("routes", []).append({"to": target, **ref["props"]})
                else:
                    self.report.ignore(
                        f"'{element.id}' refers to '{target}'{via}, a {tkind[:-1]}, where a "
                        f"{'service' if kind != 'data' else 'datastore'} is expected; dropped",
                        where.file,
                        where.line,
                        element.id,
                    )

    def document(self) -> dict[str, Any]:
        self._apply_refs()
        self._check_field_refs()
        doc: dict[str, Any] = {"apiVersion": "workbench/v1", "name": self.name}
        if self.title:
            doc["title"] = self.title[:200]
        if self.description:
            doc["description"] = self.description[:10_000]
        for coll in COLLECTIONS:
            items = []
            for e in self.elements.values():
                if e.coll == coll:
                    item = {"id": e.id, **e.fields}
                    if coll == "actors" and not item.get("calls"):
                        continue
                    items.append(item)
            if items:
                doc[coll] = items
        try:
            return model_from_data(doc).document
        except ModelInvalid as exc:  # a bug in an importer; say what, never emit invalid output
            raise AssertionError(f"importer produced an invalid document: {exc}") from exc

    def _check_field_refs(self) -> None:
        """Drop single-valued references (team, domain, owner, event broker, route target)
        that point nowhere or at the wrong kind."""
        wanted = {"team": "teams", "domain": "domains", "owner": "services", "broker": "brokers"}
        for e in list(self.elements.values()):
            for key, coll in wanted.items():
                value = e.fields.get(key)
                if value is None:
                    continue
                if self.kind_of(value) != coll:
                    del e.fields[key]
                    self.report.ignore(
                        f"'{e.id}': {key} '{value}' is not described in the input; dropped",
                        e.where.file,
                        e.where.line,
                        e.id,
                    )
            if e.coll == "events" and "broker" not in e.fields:
                del self.elements[e.id]
                self.report.ignore(
                    f"event '{e.id}' has no broker; dropped", e.where.file, e.where.line, e.id
                )
            routes = e.fields.get("routes")
            if routes and e.fields.get("kind") != "gateway":
                del e.fields["routes"]
        # publishes/subscribes of dropped events
        for e in self.elements.values():
            for key in ("publishes", "subscribes"):
                if key in e.fields:
                    e.fields[key] = [x for x in e.fields[key] if self.kind_of(x) == "events"]
                    if not e.fields[key]:
                        del e.fields[key]


def valid_slug(value: str) -> bool:
    return bool(SLUG_RE.match(value))
