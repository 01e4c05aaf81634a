"""Docker Compose (Compose Specification) → ``workbench/v1``.

Reads ``services`` only from the given file: images and build contexts (runtime guesses and
well-known datastores, brokers and gateways), ``depends_on``, ``links`` and connection URLs /
host names in ``environment`` (calls and data access), ``healthcheck``, ``deploy.replicas``,
``deploy.resources.limits`` and published ``ports`` (public entry points). Nothing outside the
file is read: ``extends`` to another file, ``include``, ``env_file`` and Dockerfiles are
reported as ignored; ``${VAR:-default}`` uses the default and never reads the environment.
Anchors, aliases and merge keys are expanded under a budget (see ``reader``).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import PurePosixPath
from typing import Any

from .builder import DocumentBuilder, Where, slugify
from .common import classify_image, hosts_in, k8s_cpu, k8s_memory
from .reader import Doc, read_one
from .report import ImportInputError, ImportReport
from .sources import SourceFile

_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
USER_ACTOR = "user"


def interpolate(value: Any, report: ImportReport, where: Where) -> Any:
    """``${VAR:-default}`` → ``default``; ``${VAR}`` → empty; ``$$`` → ``$``. The environment is
    never read: an import must not depend on (or leak) the machine it runs on."""
    if not isinstance(value, str) or "$" not in value:
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        inner = m.group("braced")
        if inner is None:
            report.guess(
                f"${m.group('plain')} left empty (the environment is never read)",
                where.file,
                where.line,
            )
            return ""
        for op in (":-", "-", ":?", "?", ":+", "+"):
            name, sep, rest = inner.partition(op)
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                if op in (":-", "-"):
                    return rest
                report.guess(
                    f"${{{inner}}} left empty (the environment is never read)",
                    where.file,
                    where.line,
                )
                return ""
        report.guess(
            f"${{{inner}}} left empty (the environment is never read)", where.file, where.line
        )
        return ""

    return _VAR.sub(sub, value)


def import_compose(
    files: list[SourceFile], *, name: str | None = None
) -> tuple[dict, ImportReport]:
    if len(files) != 1:
        raise ImportInputError.one(f"a compose import reads exactly one file, got {len(files)}")
    source = files[0]
    doc = read_one(source.content, source.name, aliases=True)
    report = ImportReport()
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ImportInputError.one(
            "expected a compose file: a mapping with a 'services' mapping at the top",
            source.name,
            doc.line(data, "services") if isinstance(data, dict) else doc.line0,
        )
    model_name = name or data.get("name") or PurePosixPath(source.name).stem
    if isinstance(model_name, str) and model_name in ("docker-compose", "compose"):
        model_name = PurePosixPath(source.name).parent.name or "compose"
    builder = DocumentBuilder(str(model_name), report)
    reader = _ComposeReader(doc, builder, report)
    reader.read(data)
    return builder.document(), report


class _ComposeReader:
    def __init__(self, doc: Doc, builder: DocumentBuilder, report: ImportReport):
        self.doc = doc
        self.b = builder
        self.report = report
        self.file = doc.file

    def where(self, obj: Any, key: Any = None) -> Where:
        return Where(self.file, self.doc.line(obj, key))

    def read(self, data: dict[str, Any]) -> None:
        services: dict[str, Any] = data["services"]
        if "include" in data:
            self.report.ignore(
                "'include' names other files; they are not read", *self._fl(data, "include")
            )
        for key in ("configs", "secrets"):
            if key in data:
                self.report.ignore(
                    f"top-level '{key}' is not part of the model", *self._fl(data, key)
                )
        specs: dict[str, dict[str, Any]] = {}
        for sname, spec in services.items():
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                raise ImportInputError.one(
                    f"service '{sname}' must be a mapping of settings",
                    self.file,
                    self.doc.line(services, sname),
                )
            specs[sname] = self._extends(sname, spec, services)
        ids: dict[str, str] = {}
        for sname, spec in specs.items():
            ident = self._element(sname, spec, services)
            if ident:
                ids[sname] = ident
                self.b.alias(sname, ident)
                for alias_key in ("container_name", "hostname"):
                    value = spec.get(alias_key)
                    if isinstance(value, str) and value:
                        self.b.alias(value, ident)
                for net in (
                    (spec.get("networks") or {}).values()
                    if isinstance(spec.get("networks"), dict)
                    else ()
                ):
                    if isinstance(net, dict):
                        for a in net.get("aliases") or []:
                            if isinstance(a, str):
                                self.b.alias(a, ident)
        for sname, spec in specs.items():
            if sname in ids:
                self._dependencies(ids[sname], spec, services.get(sname) or spec)

    def _fl(self, obj: Any, key: Any = None) -> tuple[str, int | None]:
        return self.file, self.doc.line(obj, key)

    def _extends(
        self, sname: str, spec: dict[str, Any], services: dict[str, Any], depth: int = 0
    ) -> dict[str, Any]:
        ext = spec.get("extends")
        if ext is None:
            return spec
        where = self.where(spec, "extends")
        if isinstance(ext, str):
            ext = {"service": ext}
        if not isinstance(ext, dict) or not isinstance(ext.get("service"), str):
            self.report.ignore(
                f"service '{sname}': 'extends' is not understood; ignored", where.file, where.line
            )
            return spec
        if ext.get("file"):
            self.report.ignore(
                f"service '{sname}' extends '{ext['service']}' from the file '{ext['file']}'; "
                "other files are never read, so only its own settings are imported",
                where.file,
                where.line,
                slugify(sname),
            )
            return spec
        base = services.get(ext["service"])
        if not isinstance(base, dict) or depth > 10:
            self.report.ignore(
                f"service '{sname}' extends unknown service '{ext['service']}'",
                where.file,
                where.line,
            )
            return spec
        merged = dict(self._extends(ext["service"], base, services, depth + 1))
        merged.update(spec)
        self.report.infer(f"service '{sname}' extends '{ext['service']}'", where.file, where.line)
        return merged

    def _element(self, sname: str, spec: dict[str, Any], services: dict[str, Any]) -> str | None:
        where = self.where(services, sname)
        image = interpolate(spec.get("image"), self.report, where)
        build = spec.get("build")
        cls = classify_image(image) if isinstance(image, str) and image else None
        if cls and cls[0] == "tooling":
            self.report.ignore(
                f"service '{sname}' runs tooling image '{image}' (not part of the architecture)",
                where.file,
                where.line,
            )
            return None
        if cls and cls[0] == "datastores":
            ident = self.b.add("datastores", sname, {"kind": cls[1]}, where=where, suffix="db")
            self.report.infer(
                f"datastore '{ident}' ({cls[1]}) from image '{image}'",
                where.file,
                where.line,
                ident,
            )
            self._replicas(ident, spec, store=True)
            return ident
        if cls and cls[0] == "brokers":
            ident = self.b.add("brokers", sname, {"kind": cls[1]}, where=where, suffix="broker")
            self.report.infer(
                f"broker '{ident}' ({cls[1]}) from image '{image}'", where.file, where.line, ident
            )
            self._replicas(ident, spec, store=True)
            return ident
        fields: dict[str, Any] = {}
        if cls and cls[0] == "gateway":
            fields["kind"] = "gateway"
        ident = self.b.add("services", sname, fields, where=where, suffix="svc")
        if cls and cls[0] == "gateway":
            self.report.infer(
                f"gateway '{ident}' from image '{image}'", where.file, where.line, ident
            )
        elif cls and cls[0] == "runtime":
            self.b.get(ident).fields["runtime"] = cls[1]  # type: ignore[union-attr]
            self.report.guess(
                f"'{ident}' runtime {cls[1]} from image '{image}'", where.file, where.line, ident
            )
        elif image:
            self.report.infer(
                f"service '{ident}' from image '{image}' (runtime unknown, left to the default)",
                where.file,
                where.line,
                ident,
            )
        elif build is not None:
            context = build.get("context", ".") if isinstance(build, dict) else build
            self.report.infer(
                f"service '{ident}' built from '{context}'", where.file, where.line, ident
            )
            self.report.ignore(
                f"'{ident}': the Dockerfile in '{context}' is not read, so its "
                "runtime is unknown (left to the default)",
                where.file,
                where.line,
                ident,
            )
        else:
            self.report.guess(
                f"service '{ident}' has neither image nor build; imported as a service",
                where.file,
                where.line,
                ident,
            )
        element = self.b.get(ident)
        assert element is not None
        profiles = spec.get("profiles")
        if isinstance(profiles, list) and profiles:
            element.fields["tags"] = [f"profile:{p}"[:100] for p in profiles if isinstance(p, str)]
            self.report.infer(
                f"'{ident}' only runs in profile(s) {', '.join(map(str, profiles))}",
                *self._fl(spec, "profiles"),
                ident,
            )
        self._replicas(ident, spec)
        self._health(ident, spec)
        self._resources(ident, spec)
        self._ports(ident, spec)
        if "env_file" in spec:
            self.report.ignore(
                f"'{ident}': env_file is another file; not read", *self._fl(spec, "env_file"), ident
            )
        return ident

    def _replicas(self, ident: str, spec: dict[str, Any], store: bool = False) -> None:
        deploy = spec.get("deploy")
        value = deploy.get("replicas") if isinstance(deploy, dict) else None
        line_obj, key = (deploy, "replicas") if value is not None else (spec, "scale")
        if value is None:
            value = spec.get("scale")
        if value is None:
            return
        where = self.where(line_obj, key)
        value = interpolate(value, self.report, where)
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
                entry = interpolate(entry, self.report, where)
                host_ip, _published, target = _port(entry)
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
            actor = self.b.add(
                "actors", USER_ACTOR, {"title": "External user", "kind": "person"}, ns="actor"
            )
            self.b.relate(actor, "call", ident, where=where, via="published port")
            self.report.infer(
                f"'{ident}' is a public entry point (published port)", where.file, where.line, ident
            )

    def _dependencies(self, ident: str, spec: dict[str, Any], raw: dict[str, Any]) -> None:
        dep = spec.get("depends_on")
        if isinstance(dep, list | dict):
            for i, target in enumerate(dep):
                where = self.where(dep, target if isinstance(dep, dict) else i)
                if isinstance(target, str):
                    self.b.relate(ident, "depends", target, where=where, via="depends_on")
        links = spec.get("links")
        if isinstance(links, list):
            for i, link in enumerate(links):
                if isinstance(link, str):
                    self.b.relate(
                        ident,
                        "depends",
                        link.split(":", 1)[0],
                        where=self.where(links, i),
                        via="links",
                    )
        env = spec.get("environment")
        pairs: list[tuple[str, Any, Where]] = []
        if isinstance(env, dict):
            pairs = [(k, v, self.where(env, k)) for k, v in env.items()]
        elif isinstance(env, list):
            for i, item in enumerate(env):
                if isinstance(item, str) and "=" in item:
                    k, _, v = item.partition("=")
                    pairs.append((k, v, self.where(env, i)))
        for key, value, where in pairs:
            value = interpolate(value, self.report, where)
            for host, scheme in hosts_in(key, value):
                target = self.b.lookup(host)
                if target is None:
                    if scheme or key.upper().endswith(("_URL", "_HOST", "_ADDR")):
                        self.report.ignore(
                            f"'{ident}': {key} points at '{host}', which is not a "
                            "service of this file",
                            where.file,
                            where.line,
                            ident,
                        )
                    continue
                props = {}
                if scheme in ("grpc", "grpcs"):
                    props["protocol"] = "grpc"
                self.b.relate(
                    ident, "depends", host, where=where, props=props, via=f"environment {key}"
                )


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
