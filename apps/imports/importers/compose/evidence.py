"""What a compose service's configuration says beyond its own settings: the dependencies its
environment and ``depends_on`` name (a ``depends_on`` alone is a start order, not data
access), the databases its connection strings name on a shared server, and what the tooling it
uses says about it (a collector or ``OTEL_EXPORTER_OTLP_ENDPOINT`` → tracing; Seq/Loki →
central logging; Consul/Eureka → calls found through a registry)."""

from __future__ import annotations

import re
from typing import Any

from ..builder import Where
from ..classify import Classification
from ..common import hosts_in
from .clues import (
    REGISTRY_ENV,
    SERVICE_WORDS,
    STORE_WORDS,
    TRACING_ENV,
    connection_string,
    database_url,
    stem,
)
from .stores import _Stores


class _Evidence(_Stores):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.classes: dict[str, Classification] = {}
        self.tooling: dict[str, str] = {}  # compose service name -> category
        self.tooling_names: dict[str, str] = {}  # any name of a tooling service -> its name
        self.tooling_uses: set[str] = set()  # datastores/brokers tooling depends on
        self.uses: dict[str, set[str]] = {}  # datastore/broker id -> services using it
        self.writes: dict[str, set[str]] = {}  # datastore id -> services with write evidence
        self.hosted: dict[str, str] = {}  # logical database id -> server datastore id
        self.evidence: dict[str, dict[str, str]] = {}  # service id -> {aspect: why}
        self.notes: dict[str, dict[str, str]] = {}  # element id -> {field: why it is a guess}
        self.unknown: dict[str, list[str]] = {}  # element id -> aspects the source omits
        self.db_refs: list[tuple[str, str, str, Where, str]] = []  # service, server, db, ...
        self.configured: set[str] = set()  # services whose environment names what they use
        self.connected: set[tuple[str, str]] = set()  # (service, server) with a connection

    def env_of(self, spec: dict[str, Any]) -> dict[str, str]:
        env = spec.get("environment")
        out: dict[str, str] = {}
        if isinstance(env, dict):
            out = {str(k): "" if v is None else str(v) for k, v in env.items()}
        elif isinstance(env, list):
            for item in env:
                if isinstance(item, str):
                    k, _, v = item.partition("=")
                    out[k.strip()] = v
        return out

    def _env_pairs(self, spec: dict[str, Any]) -> list[tuple[str, str, Where]]:
        env = spec.get("environment")
        if isinstance(env, dict):
            return [
                (str(k), "" if v is None else str(v), self.where(env, k)) for k, v in env.items()
            ]
        pairs = []
        if isinstance(env, list):
            for i, item in enumerate(env):
                if isinstance(item, str) and "=" in item:
                    k, _, v = item.partition("=")
                    pairs.append((k.strip(), v, self.where(env, i)))
        return pairs

    def _seen(self, ident: str, aspect: str, why: str) -> None:
        self.evidence.setdefault(ident, {}).setdefault(aspect, why)

    def _tooling_evidence(self, ident: str, tool: str, via: str) -> None:
        category = self.tooling[tool]
        aspect = {"tracing": "tracing", "logging": "logging", "discovery": "discovery"}.get(
            category
        )
        if aspect:
            self._seen(ident, aspect, f"uses {category} tooling '{tool}' ({via})")

    def _environment_dependencies(self, ident: str, spec: dict[str, Any]) -> None:
        for key, value, where in self._env_pairs(spec):
            upper = key.upper()
            if (
                value
                and any(upper.startswith(p) for p in TRACING_ENV)
                and ("ENDPOINT" in upper or "URL" in upper or "HOST" in upper or "BASE" in upper)
            ):
                self._seen(ident, "tracing", f"environment {key}")
                if upper == "OTEL_EXPORTER_OTLP_ENDPOINT":  # every signal, not only traces
                    self._seen(ident, "metrics", f"environment {key}")
                    self._seen(ident, "logging", f"environment {key}")
            if value and any(upper.startswith(p) for p in REGISTRY_ENV):
                self._seen(ident, "discovery", f"environment {key}")
            conn = connection_string(value) or database_url(value)
            if conn and self._database(ident, conn, where, key):
                continue
            for host, scheme in hosts_in(key, value):
                tool = self._tool(host)
                if tool:
                    self._tooling_evidence(ident, tool, f"environment {key}")
                    continue
                target = self.b.lookup(host)
                if target is None:
                    if scheme or upper.endswith(("_URL", "_HOST", "_ADDR")):
                        self.report.ignore(
                            f"'{ident}': {key} points at '{host}', which is not a "
                            "service of this project",
                            where.file,
                            where.line,
                            ident,
                        )
                    continue
                self.configured.add(ident)
                self._refine_kind(target, key, value, scheme)
                props = {"protocol": "grpc"} if scheme in ("grpc", "grpcs") else {}
                self._depend(ident, host, where, f"environment {key}", props=props)

    def _depend(
        self,
        ident: str,
        target: str,
        where: Where,
        via: str,
        *,
        props: dict[str, Any] | None = None,
        start_order: bool = False,
    ) -> None:
        tool = self._tool(target)
        if tool:
            self._tooling_evidence(ident, tool, via)
            return
        tid = self.b.lookup(target)
        coll = self.b.kind_of(tid) if tid else None
        if coll == "datastores":
            users = self.uses.setdefault(tid, set())  # type: ignore[arg-type]
            if start_order:
                if ident in users or (ident, tid) in self.connected:
                    return
                if ident in self.configured:
                    self.report.infer(
                        f"'{ident}' depends on datastore '{tid}' ({via}), but its environment, "
                        "which names what it connects to, does not name it: a start order, "
                        "not data access",
                        where.file,
                        where.line,
                        ident,
                    )
                    return  # its connection settings already say how it is used
                users.add(ident)
                self.b.relate(ident, "data", target, where=where, props={"access": "read"}, via=via)
                self.report.guess(
                    f"'{ident}' depends on datastore '{tid}' ({via}) with no connection "
                    "setting naming it: a start order, recorded as read access, not as a write",
                    where.file,
                    where.line,
                    ident,
                )
                self.note(ident, f"data {tid}", f"{via} only: access unknown, recorded as read")
                return
            users.add(ident)
            self.writes.setdefault(tid, set()).add(ident)  # type: ignore[arg-type]
            self.b.relate(
                ident, "data", target, where=where, props={"access": "read-write"}, via=via
            )
            return
        if coll == "brokers":
            self.uses.setdefault(tid, set()).add(ident)  # type: ignore[arg-type]
        self.b.relate(ident, "depends", target, where=where, props=props, via=via)

    def _tooling_dependencies(self, sname: str, spec: dict[str, Any]) -> None:
        names: list[str] = []
        dep = spec.get("depends_on")
        if isinstance(dep, list | dict):
            names += [d for d in dep if isinstance(d, str)]
        for key, value, where in self._env_pairs(spec):
            names += [h for h, _ in hosts_in(key, value)]
            if self.tooling[sname] == "health dashboard":
                self._checked_health(sname, value, where)
        for n in names:
            tid = self.b.lookup(n)
            if tid and self.b.kind_of(tid) in ("datastores", "brokers"):
                self.tooling_uses.add(tid)

    def _checked_health(self, tool: str, value: str, where: Where) -> None:
        """A health dashboard polling ``http://webmvc/hc``: webmvc has a health endpoint."""
        m = re.match(r"https?://([A-Za-z][A-Za-z0-9_.-]*)(?::\d+)?(/[^\s?#]*)", value)
        if not m or m.group(2) in ("", "/"):
            return
        target = self.b.lookup(m.group(1))
        element = self.b.get(target) if target else None
        if element is None or element.coll != "services" or "health" in element.fields:
            return
        element.fields["health"] = {"liveness": m.group(2)[:500], "readiness": m.group(2)[:500]}
        self.report.infer(
            f"'{target}' health check at {m.group(2)} (polled by the health dashboard '{tool}')",
            where.file,
            where.line,
            target,
        )

    def _apply_evidence(self) -> None:
        self._databases()
        self._drop_tooling_stores()
        self._drop_servers()
        for ident, found in self.evidence.items():
            element = self.b.get(ident)
            if element is None or element.coll != "services":
                continue
            obs: dict[str, Any] = {}
            if "tracing" in found:
                obs["tracing"] = True
            if "logging" in found:
                obs["logging"] = "central"
            if "metrics" in found:
                obs["metrics"] = True
            if obs:
                element.fields["observability"] = obs
                self.report.infer(
                    f"'{ident}' observability {obs} ("
                    + "; ".join(
                        sorted({found[a] for a in ("tracing", "logging", "metrics") if a in found})
                    )
                    + ")",
                    element.where.file,
                    element.where.line,
                    ident,
                )
            if "discovery" in found:
                for ref in element.refs:
                    target = self.b.lookup(ref["target"])
                    if target and self.b.kind_of(target) == "services":
                        ref["props"] = {**ref["props"], "discovery": "registry"}
                self.report.infer(
                    f"'{ident}' finds the services it calls through a registry "
                    f"({found['discovery']})",
                    element.where.file,
                    element.where.line,
                    ident,
                )
        self._paired_by_name()
        for store, users in self.uses.items():
            element = self.b.get(store)
            if element is None or element.coll != "datastores" or len(users) != 1:
                continue
            owner = next(iter(users))
            if owner not in self.writes.get(store, ()) and stem(owner, SERVICE_WORDS) != stem(
                store, STORE_WORDS
            ):
                continue
            element.fields["owner"] = owner
            self.report.guess(
                f"'{store}' is owned by '{owner}', the one service that uses it",
                element.where.file,
                element.where.line,
                store,
            )
            self.note(store, "owner", f"the only service using it is '{owner}'")
        self._unknowns()
        self._attach_notes()

    def _unknowns(self) -> None:
        """What a compose file cannot say: call timeouts and circuit breakers, and (unless
        ``deploy.replicas``/``scale`` says) how many instances run in production."""
        for element in list(self.b.elements.values()):
            unknown = []
            if element.coll == "services" and any(
                r["kind"] in ("depends", "call") for r in element.refs
            ):
                unknown.append("resilience")
            if "replicas" not in element.fields and (
                element.coll in ("brokers", "datastores") or element.fields.get("kind") == "gateway"
            ):
                unknown.append("replicas")
            if unknown:
                self.unknown[element.id] = unknown

    def _attach_notes(self) -> None:
        for ident in sorted(set(self.notes) | set(self.unknown)):
            element = self.b.get(ident)
            if element is None:
                continue
            note: dict[str, Any] = {}
            if ident in self.unknown:
                note["unknown"] = self.unknown[ident]
            if ident in self.notes:
                note["guessed"] = dict(sorted(self.notes[ident].items()))
            element.fields["x-imported"] = note
