"""The datastores of a compose project, beyond each container: databases named by connection
strings on a shared server (one datastore per database), kinds said by clients, stores paired
with services by name, stores only tooling uses, and servers whose databases are modelled
instead. Mixed into the reader (``evidence._Evidence``), whose state it shares."""

from __future__ import annotations

import re

from ..builder import Where
from ..classify import PORTS
from .clues import CLIENT_HINTS, CLIENT_PREFIXES, SERVICE_WORDS, STORE_WORDS, stem
from .service_settings import _ServiceSettings


class _Stores(_ServiceSettings):
    tooling: dict[str, str]
    tooling_names: dict[str, str]
    tooling_uses: set[str]
    uses: dict[str, set[str]]
    writes: dict[str, set[str]]
    hosted: dict[str, str]
    db_refs: list[tuple[str, str, str, Where, str]]
    connected: set[tuple[str, str]]
    configured: set[str]

    notes: dict[str, dict[str, str]]

    def note(self, ident: str, field: str, why: str) -> None:
        """Record in ``x-imported.guessed`` that ``field`` of ``ident`` is a guess, and why."""
        self.notes.setdefault(ident, {})[field] = why

    def _tool(self, host: str) -> str | None:
        """The tooling service a host name means, if it is one."""
        name = self.tooling_names.get(host)
        return name if name in self.tooling else None

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

    def _paired_by_name(self) -> None:
        """``ts-auth-mongo`` nobody names in a connection setting, next to ``ts-auth-service``:
        the naming convention says which service uses (and owns) it. A guess, reported."""
        services = {
            stem(e.id, SERVICE_WORDS): e.id
            for e in self.b.elements.values()
            if e.coll == "services"
        }
        for element in list(self.b.elements.values()):
            if element.coll != "datastores" or self.uses.get(element.id):
                continue
            common = stem(element.id, STORE_WORDS)
            owner = services.get(common) if common != element.id else None
            if owner is None:
                continue
            self.uses.setdefault(element.id, set()).add(owner)
            self.writes.setdefault(element.id, set()).add(owner)
            self.b.relate(owner, "data", element.id, where=element.where, via="naming")
            self.report.guess(
                f"'{owner}' uses datastore '{element.id}': no setting names it, but their names "
                f"pair ('{common}')",
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
