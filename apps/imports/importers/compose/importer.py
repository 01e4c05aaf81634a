"""``import_compose`` and ``_ComposeReader``: the walk over ``services`` (``extends``, the
element each service becomes, its aliases) and the dependencies between them."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..builder import DocumentBuilder, Where, slugify
from ..common import classify_image, hosts_in
from ..reader import read_one
from ..report import ImportInputError, ImportReport
from ..sources import SourceFile
from .interpolation import interpolate
from .service_settings import _ServiceSettings


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


class _ComposeReader(_ServiceSettings):
    """Reads one compose file into the builder; a service's replicas, health check, resource
    limits and ports are read by ``_ServiceSettings``."""

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
