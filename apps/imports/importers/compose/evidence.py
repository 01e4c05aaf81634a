"""What a compose service's configuration says beyond its own settings: the dependencies its
environment and ``depends_on`` name (a ``depends_on`` alone is a start order, not data
access), the databases its connection strings name on a shared server, and what the tooling it
uses says about it (a collector or ``OTEL_EXPORTER_OTLP_ENDPOINT`` → tracing; Seq/Loki →
central logging; Consul/Eureka → calls found through a registry)."""

from __future__ import annotations

import re
from typing import Any

from ..builder import Where, slugify
from ..classify import PORTS, Classification
from ..common import hosts_in
from .service_settings import _ServiceSettings

TRACING_ENV = (
    "OTEL_EXPORTER_OTLP",
    "OTEL_EXPORTER_JAEGER",
    "OTEL_EXPORTER_ZIPKIN",
    "ZIPKIN",
    "JAEGER_",
    "MANAGEMENT_ZIPKIN",
    "SPRING_ZIPKIN",
    "MANAGEMENT_OTLP",
)
REGISTRY_ENV = ("EUREKA_", "CONSUL_", "SPRING_CLOUD_CONSUL", "SPRING_CLOUD_DISCOVERY")
_CONN_HOST = ("server", "host", "data source", "address", "addr", "hostname")
_CONN_DB = ("database", "initial catalog", "db")


def connection_string(value: str) -> tuple[str, str] | None:
    """``Server=sqldata;Database=CatalogDb;User Id=sa`` → ("sqldata", "CatalogDb");
    ``Host=postgres;Database=orders`` likewise (ADO.NET / Npgsql style)."""
    if ";" not in value or "=" not in value:
        return None
    parts = {}
    for item in value.split(";"):
        k, sep, v = item.partition("=")
        if sep:
            parts[k.strip().lower()] = v.strip()
    host = next((parts[k] for k in _CONN_HOST if parts.get(k)), None)
    db = next((parts[k] for k in _CONN_DB if parts.get(k)), None)
    if not host or not db:
        return None
    host = re.sub(r"^tcp:", "", host, flags=re.I).split(",")[0].split(":")[0].strip()
    return (host, db) if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", host) else None


_DB_URL = re.compile(
    r"^(postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|sqlserver|jdbc:[a-z]+)://"
    r"(?:[^@/\s]*@)?(?P<host>[A-Za-z][A-Za-z0-9_.-]*)(?::\d+)?/(?P<db>[A-Za-z_][A-Za-z0-9_.-]*)"
)


def database_url(value: str) -> tuple[str, str] | None:
    """``postgres://u:p@orders-db:5432/orders?x`` → ("orders-db", "orders")."""
    m = _DB_URL.match(value.strip())
    return (m.group("host"), m.group("db")) if m else None


CLIENT_HINTS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "mongodb": "mongodb",
    "redis": "redis",
}
CLIENT_PREFIXES = (
    ("MONGO", "mongodb"),
    ("MYSQL", "mysql"),
    ("POSTGRES", "postgres"),
    ("PG", "postgres"),
    ("REDIS", "redis"),
    ("CASSANDRA", "cassandra"),
)
SERVICE_WORDS = ("service", "svc", "api", "app", "server")
STORE_WORDS = (
    "db",
    "database",
    "mongo",
    "mongodb",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "pg",
    "redis",
    "cache",
    "store",
    "data",
    "cassandra",
    "sql",
    "memcached",
)


def _stem(ident: str, words: tuple[str, ...]) -> str:
    """``ts-auth-mongo`` → ``ts-auth``; ``orders-service`` → ``orders``."""
    parts = ident.split("-")
    while len(parts) > 1 and parts[-1] in words:
        parts.pop()
    return "-".join(parts)


class _Evidence(_ServiceSettings):
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

    def note(self, ident: str, field: str, why: str) -> None:
        self.notes.setdefault(ident, {})[field] = why

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

    def _tool(self, host: str) -> str | None:
        """The tooling service a host name means, if it is one."""
        name = self.tooling_names.get(host)
        return name if name in self.tooling else None

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

    def _refine_kind(self, target: str, key: str, value: str, scheme: str | None) -> None:
        """``MONGO_HOST=user-db:27017`` says what kind the datastore ``user-db`` is when its own
        container did not."""
        element = self.b.get(target)
        if element is None or element.coll != "datastores" or element.fields.get("kind") != "other":
            return
        kind = CLIENT_HINTS.get((scheme or "").lower())
        if kind is None:
            kind = next((k for p, k in CLIENT_PREFIXES if key.upper().startswith(p)), None)
        if kind is None:
            m = re.search(r":(\d{2,5})\b", value)
            found = PORTS.get(int(m.group(1))) if m else None
            kind = found[1] if found and found[0] == "datastore" else None
        if kind and kind != "other":
            element.fields["kind"] = kind
            self.report.guess(
                f"datastore '{target}' is {kind}: its client says so ({key})",
                element.where.file,
                element.where.line,
                target,
            )
            self.note(target, "kind", f"client setting {key}")

    def _database(self, ident: str, conn: tuple[str, str], where: Where, key: str) -> bool:
        """A connection string or URL naming a database on a datastore server. Decided at the
        end (``_databases``): a server hosting two or more databases becomes one datastore per
        database (one server often hosts one database per service); else the server is it."""
        host, db = conn
        server = self.b.lookup(host)
        if self._tool(host) or server is None or self.b.kind_of(server) != "datastores":
            return False
        self.configured.add(ident)
        self.db_refs.append((ident, server, db, where, key))
        self.connected.add((ident, server))
        return True

    def _databases(self) -> None:
        by_server: dict[str, set[str]] = {}
        for _ident, server, db, _where, _key in self.db_refs:
            by_server.setdefault(server, set()).add(db)
        for ident, server, db, where, key in self.db_refs:
            via = f"environment {key}"
            if len(by_server[server]) < 2:
                self.uses.setdefault(server, set()).add(ident)
                self.writes.setdefault(server, set()).add(ident)
                self.b.relate(ident, "data", server, where=where, via=via)
                continue
            name = f"{server}/{db}"
            existing = self.b.lookup(name)
            server_el = self.b.get(server)
            assert server_el is not None
            logical = self.b.add(
                "datastores",
                name,
                {"kind": server_el.fields.get("kind", "other")},
                where=where,
                suffix="db",
                label=db.rsplit(".", 1)[-1],
            )
            if existing is None:
                if "replicas" in server_el.fields:
                    self.b.get(logical).fields["replicas"] = server_el.fields["replicas"]  # type: ignore[union-attr]
                self.hosted[logical] = server
                self.report.infer(
                    f"datastore '{logical}': database '{db}' on server '{server}' ({key})",
                    where.file,
                    where.line,
                    logical,
                )
            self.uses.setdefault(logical, set()).add(ident)
            self.writes.setdefault(logical, set()).add(ident)
            self.b.relate(ident, "data", name, where=where, via=via)

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
            if owner not in self.writes.get(store, ()) and _stem(owner, SERVICE_WORDS) != _stem(
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

    def _paired_by_name(self) -> None:
        """``ts-auth-mongo`` nobody names in a connection setting, next to ``ts-auth-service``:
        the naming convention says which service uses (and owns) it. A guess, reported."""
        services = {
            _stem(e.id, SERVICE_WORDS): e.id
            for e in self.b.elements.values()
            if e.coll == "services"
        }
        for element in list(self.b.elements.values()):
            if element.coll != "datastores" or self.uses.get(element.id):
                continue
            stem = _stem(element.id, STORE_WORDS)
            owner = services.get(stem) if stem != element.id else None
            if owner is None:
                continue
            self.uses.setdefault(element.id, set()).add(owner)
            self.writes.setdefault(element.id, set()).add(owner)
            self.b.relate(owner, "data", element.id, where=element.where, via="naming")
            self.report.guess(
                f"'{owner}' uses datastore '{element.id}': no setting names it, but their names "
                f"pair ('{stem}')",
                element.where.file,
                element.where.line,
                owner,
            )
            self.note(owner, f"data {element.id}", "paired by name")

    def _drop_tooling_stores(self) -> None:
        for tid in sorted(self.tooling_uses):
            if self.uses.get(tid):
                continue
            element = self.b.get(tid)
            assert element is not None
            self.b.remove(tid)
            self.report.ignore(
                f"'{tid}' is used only by observability/platform tooling; left out as tooling",
                element.where.file,
                element.where.line,
            )

    def _drop_servers(self) -> None:
        servers = sorted(set(self.hosted.values()))
        for server in servers:
            if self.uses.get(server):
                continue
            dbs = sorted(db for db, s in self.hosted.items() if s == server)
            element = self.b.get(server)
            assert element is not None
            self.b.remove(server)
            self.report.infer(
                f"datastore server '{server}' hosts the databases {', '.join(dbs)}; each is a "
                "datastore of the model, the server is not",
                element.where.file,
                element.where.line,
            )

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


__all__ = ["connection_string", "slugify"]
