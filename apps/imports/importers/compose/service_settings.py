"""What every part of the compose reader shares, and a service's replicas, health check,
resource limits and ports (published ports make it a public entry point)."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from ..builder import DocumentBuilder, Where
from ..common import k8s_cpu, k8s_memory
from ..report import ImportReport
from .project import Located

USER_ACTOR = "user"


class _ReaderBase:
    """The state every part of ``_ComposeReader`` shares: the document, the builder, the
    report, and where a key is."""

    def __init__(self, located: Located, builder: DocumentBuilder, report: ImportReport):
        self.located = located
        self.b = builder
        self.report = report
        self.public: list[tuple[str, Where]] = []  # entry points, for the user actor

    def where(self, obj: Any, key: Any = None) -> Where:
        return self.located.where(obj, key)

    def _fl(self, obj: Any, key: Any = None) -> tuple[str | None, int | None]:
        w = self.located.where(obj, key)
        return w.file, w.line


class _ServiceSettings(_ReaderBase):
    """A service's settings; mixed into ``_ComposeReader``."""

    def _replicas(self, ident: str, spec: dict[str, Any], store: bool = False) -> None:
        deploy = spec.get("deploy")
        value = deploy.get("replicas") if isinstance(deploy, dict) else None
        line_obj, key = (deploy, "replicas") if value is not None else (spec, "scale")
        if value is None:
            value = spec.get("scale")
        if value is None:
            return
        where = self.where(line_obj, key)
        try:
            count = int(value)
        except (TypeError, ValueError):
            self.report.ignore(
                f"'{ident}': replicas '{value}' is not a number", where.file, where.line, ident
            )
            return
        if count < 0:
            return
        self.b.get(ident).fields["replicas"] = count  # type: ignore[union-attr]
        self.report.infer(f"'{ident}' replicas {count}", where.file, where.line, ident)

    def _health(self, ident: str, spec: dict[str, Any]) -> None:
        hc = spec.get("healthcheck")
        if not isinstance(hc, dict):
            return
        where = self.where(spec, "healthcheck")
        test = hc.get("test")
        if hc.get("disable") is True or (isinstance(test, list) and test[:1] == ["NONE"]):
            self.report.infer(f"'{ident}' health check disabled", where.file, where.line, ident)
            return
        text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
        m = re.search(r"https?://[^/\s\"']+(/[^\s\"']*)", text)
        element = self.b.get(ident)
        assert element is not None
        if m and m.group(1) not in ("", "/"):
            element.fields["health"] = {"liveness": m.group(1)[:500], "readiness": m.group(1)[:500]}
            self.report.infer(
                f"'{ident}' health check at {m.group(1)}", where.file, where.line, ident
            )
        else:
            element.fields["health"] = True
            self.report.guess(
                f"'{ident}' has a health check ({text[:60] or 'no test'}); its "
                "path is unknown, recorded as health: true",
                where.file,
                where.line,
                ident,
            )

    def _resources(self, ident: str, spec: dict[str, Any]) -> None:
        deploy = spec.get("deploy")
        limits = (
            (deploy.get("resources") or {}).get("limits")
            if isinstance(deploy, dict) and isinstance(deploy.get("resources"), dict)
            else None
        )
        if not isinstance(limits, dict):
            return
        res = {}
        cpu, memory = k8s_cpu(limits.get("cpus")), k8s_memory(limits.get("memory"))
        if cpu:
            res["cpu"] = cpu
        if memory:
            res["memory"] = memory
        if res:
            self.b.get(ident).fields["deploy"] = {"resources": res}  # type: ignore[union-attr]
            self.report.infer(
                f"'{ident}' resource limits {res}", *self._fl(deploy, "resources"), ident
            )

    def _ports(self, ident: str, spec: dict[str, Any]) -> None:
        element = self.b.get(ident)
        assert element is not None
        ports = spec.get("ports")
        target_port = None
        public = False
        if isinstance(ports, list):
            for i, entry in enumerate(ports):
                where = self.where(ports, i)
                host_ip, published, target = _port(entry)
                if target is None:
                    self.report.ignore(
                        f"'{ident}': port '{entry}' not understood", where.file, where.line, ident
                    )
                    continue
                if target_port is None:
                    target_port = target
                if host_ip in ("127.0.0.1", "localhost", "::1"):
                    self.report.ignore(
                        f"'{ident}': port {target} is published on {host_ip} only "
                        "(a local debug port), not a public entry",
                        where.file,
                        where.line,
                        ident,
                    )
                    continue
                if published is None:
                    self.report.ignore(
                        f"'{ident}': port {target} is published on a random host port "
                        "(no host port given), as for debugging; not taken as a public entry",
                        where.file,
                        where.line,
                        ident,
                    )
                    continue
                public = True
        expose = spec.get("expose")
        if target_port is None and isinstance(expose, list) and expose:
            with contextlib.suppress(ValueError):
                target_port = int(str(expose[0]).split("/")[0])
        if target_port and 0 < target_port < 65536:
            element.fields["port"] = target_port
            self.report.infer(
                f"'{ident}' listens on port {target_port}", *self._fl(spec, "ports"), ident
            )
        if public:
            where = self.where(spec, "ports")
            self.public.append((ident, where))
            self.report.infer(
                f"'{ident}' is a public entry point (published port)", where.file, where.line, ident
            )

    def _front_doors(self, public: list[tuple[str, Where]]) -> list[tuple[str, Where]]:
        """When (nearly) every service of a larger project publishes a port, that is the
        "publish everything for development" habit: the entry points are the user interfaces
        (names like ``ui``, ``web``, ``frontend``), the rest is direct access (a guess)."""
        count = sum(1 for e in self.b.elements.values() if e.coll == "services")
        doors = [(i, w) for i, w in public if _front_door(i)]
        if not doors or not _is_most(len(public), count):
            return public
        for ident, where in public:
            if not _front_door(ident):
                self.report.guess(
                    f"'{ident}' publishes a port, as {len(public)} of the {count} services do: "
                    f"taken as direct access for development; the entry points are "
                    f"{', '.join(i for i, _ in doors)}",
                    where.file,
                    where.line,
                    ident,
                )
        return doors

    def _user_actor(self) -> None:
        """The ``user`` actor calling the public entry points, added after every service so
        that a real service named ``user`` keeps its name (the actor is the one renamed)."""
        if not self.public:
            return
        public = self.public
        gateways = [i for i, _ in public if self.b.elements[i].fields.get("kind") == "gateway"]
        if gateways:
            public = [(i, w) for i, w in public if i in gateways]
            for ident, where in self.public:
                if ident not in gateways:
                    self.report.guess(
                        f"'{ident}' publishes a port next to the gateway(s) "
                        f"{', '.join(gateways)}: taken as direct access for development, not as "
                        "a public entry point",
                        where.file,
                        where.line,
                        ident,
                    )
        else:
            public = self._front_doors(public)
        actor = self.b.user_actor()
        for ident, where in public:
            self.b.relate(actor, "call", ident, where=where, via="published port")


FRONT_DOOR = ("ui", "web", "frontend", "dashboard", "portal", "spa", "mvc", "edge", "front")


def _front_door(ident: str) -> bool:
    return any(p in FRONT_DOOR for p in re.split(r"[-_]", ident))


def _is_most(part: int, whole: int) -> bool:
    return whole >= 6 and part * 5 >= whole * 4


def _port(entry: Any) -> tuple[str | None, int | None, int | None]:
    """(host ip, published, target) of a short- or long-syntax port."""
    if isinstance(entry, int):
        return None, None, entry
    if isinstance(entry, dict):
        raw_target: Any = entry.get("target")
        try:
            target = int(raw_target)
        except (TypeError, ValueError):
            return None, None, None
        published: Any = entry.get("published")
        return entry.get("host_ip"), int(published) if str(published).isdigit() else None, target
    if not isinstance(entry, str):
        return None, None, None
    text = entry.split("/", 1)[0]
    host_ip = None
    if text.startswith("["):
        host_ip, _, text = text[1:].partition("]:")
    parts = text.rsplit(":", 2)
    published_text: str | None
    if len(parts) == 3:
        host_ip, published_text, target_text = parts
    elif len(parts) == 2:
        published_text, target_text = parts
    else:
        published_text, target_text = None, parts[0]
    try:
        target_port = int(target_text.split("-", 1)[0])
    except ValueError:
        return None, None, None
    pub = (
        int(published_text.split("-")[0])
        if published_text and published_text.split("-")[0].isdigit()
        else None
    )
    return host_ip, pub, target_port
