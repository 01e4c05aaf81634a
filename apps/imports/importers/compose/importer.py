"""``import_compose`` and ``_ComposeReader``: the project (several files merged, env files,
profiles), the walk over ``services`` (``extends``, what each container is, its aliases) and
the dependencies between them."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..builder import DocumentBuilder, Where, slugify
from ..classify import Classification, classify
from ..reader import Doc, read_one
from ..report import ImportInputError, ImportReport
from ..sources import SourceFile
from .evidence import _Evidence
from .project import (
    Located,
    bare_environment,
    interpolate_tree,
    is_env_file,
    merge,
    parse_env_file,
)


def import_compose(
    files: list[SourceFile], *, name: str | None = None, profiles: list[str] | None = None
) -> tuple[dict, ImportReport]:
    """Compose files merged in order (later override earlier), with the variables of the env
    files among ``files`` (named ``.env`` / ``*.env``); ``profiles`` selects services
    (default: every profile)."""
    report = ImportReport()
    env_sources = [f for f in files if is_env_file(f.name)]
    sources = [f for f in files if not is_env_file(f.name)]
    if not sources:
        raise ImportInputError.one("no compose file among the files (only env files)")
    env: dict[str, str] = {}
    for f in env_sources:
        parse_env_file(f, env, report)
        report.infer(f"variables read from '{f.name}' ({len(env)} so far)", f.name)
    located = Located()
    docs: list[Doc] = []
    for i, source in enumerate(sources):
        doc = read_one(source.content, source.name, aliases=True)
        data = doc.data
        if not isinstance(data, dict) or (
            not isinstance(data.get("services"), dict) and (i == 0 or "services" in data)
        ):
            raise ImportInputError.one(
                "expected a compose file: a mapping with a 'services' mapping at the top",
                source.name,
                doc.line(data, "services") if isinstance(data, dict) else doc.line0,
            )
        located.add_doc(doc)
        interpolate_tree(data, env, report, located)
        docs.append(doc)
    project = _merge_files(docs, located, report)
    model_name = name or project.get("name") or PurePosixPath(sources[0].name).stem
    if isinstance(model_name, str) and model_name in ("docker-compose", "compose"):
        model_name = PurePosixPath(sources[0].name).parent.name or "compose"
    builder = DocumentBuilder(str(model_name), report)
    reader = _ComposeReader(located, builder, report)
    reader.env = env
    reader.files = {PurePosixPath(d.file).name: d.data for d in docs}
    reader.read(project, profiles)
    return builder.document(), report


def _merge_files(docs: list[Doc], located: Located, report: ImportReport) -> dict[str, Any]:
    project = dict(docs[0].data)
    located.new(project, docs[0].data, located.per(docs[0].data))
    project["services"] = dict(docs[0].data["services"])
    located.new(
        project["services"], docs[0].data["services"], located.per(docs[0].data["services"])
    )
    for doc in docs[1:]:
        for key, value in doc.data.items():
            if key != "services":
                project[key] = merge(project[key], value, located) if key in project else value
                continue
            services = project["services"]
            per = located.per(services)
            for sname, spec in (value or {}).items():
                base = services.get(sname)
                if isinstance(base, dict) and isinstance(spec, dict):
                    services[sname] = merge(base, spec, located)
                    report.infer(
                        f"service '{sname}' overridden by '{doc.file}'",
                        doc.file,
                        doc.line(value, sname),
                    )
                else:
                    services[sname] = spec
                if isinstance(per, dict):
                    per[sname] = (doc.file, doc.line(value, sname))
        report.infer(f"'{doc.file}' merged over the files before it", doc.file, doc.line0)
    return project


class _ComposeReader(_Evidence):
    """Reads the merged project into the builder; a service's replicas, health check,
    resource limits and ports are read by ``_ServiceSettings``, what the tooling it uses says
    about it by ``_Evidence``."""

    env: dict[str, str]
    files: dict[str, Any]

    def read(self, data: dict[str, Any], profiles: list[str] | None) -> None:
        services: dict[str, Any] = data["services"]
        if "include" in data:
            self.report.ignore(
                "'include' names other files; they are not read (pass them as files instead)",
                *self._fl(data, "include"),
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
                w = self.where(services, sname)
                raise ImportInputError.one(
                    f"service '{sname}' must be a mapping of settings", w.file, w.line
                )
            spec = self._extends(sname, spec, services)
            bare_environment(spec, self.env, self.located)
            mine = spec.get("profiles")
            if profiles and isinstance(mine, list) and mine and not set(mine) & set(profiles):
                self.report.ignore(
                    f"service '{sname}' runs only in profile(s) {', '.join(map(str, mine))}, "
                    f"not selected (--profile {' '.join(profiles)})",
                    *self._fl(services, sname),
                )
                continue
            specs[sname] = spec
        ids: dict[str, str] = {}
        for sname, spec in specs.items():
            ident = self._element(sname, spec, services)
            names = [sname, *self._aliases(spec)]
            if ident is None:
                for n in names:
                    self.tooling_names.setdefault(n, sname)
                continue
            ids[sname] = ident
            for n in names:
                self.b.alias(n, ident)
        for sname, spec in specs.items():
            if sname in ids:
                self._dependencies(ids[sname], spec)
            elif sname in self.tooling:
                self._tooling_dependencies(sname, spec)
        self._user_actor()
        self._apply_evidence()

    @staticmethod
    def _aliases(spec: dict[str, Any]) -> list[str]:
        out = []
        for alias_key in ("container_name", "hostname"):
            value = spec.get(alias_key)
            if isinstance(value, str) and value:
                out.append(value)
        nets = spec.get("networks")
        for net in nets.values() if isinstance(nets, dict) else ():
            if isinstance(net, dict):
                out += [a for a in net.get("aliases") or [] if isinstance(a, str)]
        return out

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
        pool = services
        if ext.get("file"):
            other = self.files.get(PurePosixPath(str(ext["file"])).name)
            if not isinstance(other, dict) or not isinstance(other.get("services"), dict):
                self.report.ignore(
                    f"service '{sname}' extends '{ext['service']}' from the file "
                    f"'{ext['file']}', which is not among the files given; only its own "
                    "settings are imported (pass that file too)",
                    where.file,
                    where.line,
                    slugify(sname),
                )
                return spec
            pool = other["services"]
        base = pool.get(ext["service"])
        if not isinstance(base, dict) or depth > 10:
            self.report.ignore(
                f"service '{sname}' extends unknown service '{ext['service']}'",
                where.file,
                where.line,
            )
            return spec
        base = self._extends(ext["service"], base, pool, depth + 1)
        merged = merge(base, {k: v for k, v in spec.items() if k != "extends"}, self.located)
        self.report.infer(f"service '{sname}' extends '{ext['service']}'", where.file, where.line)
        return merged

    def _element(self, sname: str, spec: dict[str, Any], services: dict[str, Any]) -> str | None:
        where = self.where(services, sname)
        image: str = spec["image"] if isinstance(spec.get("image"), str) else ""
        build = spec.get("build")
        cls = classify(
            sname,
            image,
            env=self.env_of(spec),
            ports=self._target_ports(spec),
            health=self._health_text(spec),
            command=_text(spec.get("command")) or _text(spec.get("entrypoint")),
            built=build is not None,
            build_args=_build_args(build),
        )
        self.classes[sname] = cls
        if cls.role == "tooling":
            self.tooling[sname] = cls.kind
            self.report.ignore(
                f"'{sname}' is {cls.kind} tooling ({', '.join(cls.evidence)}), not a service "
                "of the architecture; used as evidence about the services that use it",
                where.file,
                where.line,
            )
            return None
        say = self.report.guess if cls.guess else self.report.infer
        if cls.role in ("datastore", "broker"):
            coll = cls.role + "s"
            ident = self.b.add(
                coll,
                sname,
                {"kind": cls.kind},
                where=where,
                suffix="db" if coll == "datastores" else "broker",
            )
            say(
                f"{cls.role} '{ident}' ({cls.kind}) by {', '.join(cls.evidence)}",
                where.file,
                where.line,
                ident,
            )
            self._replicas(ident, spec, store=True)
            if cls.guess:
                self.note(ident, "kind", cls.describe())
            return ident
        fields: dict[str, Any] = {}
        if cls.role == "gateway":
            fields["kind"] = "gateway"
        ident = self.b.add("services", sname, fields, where=where, suffix="svc")
        element = self.b.get(ident)
        assert element is not None
        if cls.role == "gateway":
            say(f"gateway '{ident}' by {', '.join(cls.evidence)}", where.file, where.line, ident)
            if cls.guess:
                self.note(ident, "kind", cls.describe())
        elif image:
            self.report.infer(
                f"service '{ident}' from image '{image}'", where.file, where.line, ident
            )
        elif build is not None:
            context = build.get("context", ".") if isinstance(build, dict) else build
            self.report.infer(
                f"service '{ident}' built from '{context}' (its Dockerfile is not read)",
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
        if cls.runtime:
            element.fields["runtime"] = cls.runtime
            self.report.guess(
                f"'{ident}' runtime {cls.runtime} from {cls.runtime_evidence}",
                where.file,
                where.line,
                ident,
            )
            self.note(ident, "runtime", cls.runtime_evidence)
        else:
            element.fields["runtime"] = "other"
            self.report.guess(
                f"'{ident}': no evidence of its runtime (image, environment, command); "
                "recorded as 'other'",
                where.file,
                where.line,
                ident,
            )
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
                f"'{ident}': env_file names another file; not read",
                *self._fl(spec, "env_file"),
                ident,
            )
        return ident

    def _target_ports(self, spec: dict[str, Any]) -> list[int]:
        from .service_settings import _port

        out = []
        for entry in spec.get("ports") or []:
            target = _port(entry)[2]
            if target:
                out.append(target)
        for entry in spec.get("expose") or []:
            try:
                out.append(int(str(entry).split("/")[0]))
            except ValueError:
                continue
        return out

    @staticmethod
    def _health_text(spec: dict[str, Any]) -> str:
        hc = spec.get("healthcheck")
        if not isinstance(hc, dict):
            return ""
        return _text(hc.get("test"))

    def _dependencies(self, ident: str, spec: dict[str, Any]) -> None:
        # Connection settings first: they say more (gRPC, the database) than depends_on.
        self._environment_dependencies(ident, spec)
        dep = spec.get("depends_on")
        if isinstance(dep, list | dict):
            for i, target in enumerate(dep):
                where = self.where(dep, target if isinstance(dep, dict) else i)
                if isinstance(target, str):
                    self._depend(ident, target, where, "depends_on", start_order=True)
        links = spec.get("links")
        if isinstance(links, list):
            for i, link in enumerate(links):
                if isinstance(link, str):
                    self._depend(
                        ident,
                        link.split(":", 1)[0],
                        self.where(links, i),
                        "links",
                        start_order=True,
                    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value) if isinstance(value, str | int) else ""


def _build_args(build: Any) -> dict[str, str]:
    if not isinstance(build, dict):
        return {}
    args = build.get("args")
    if isinstance(args, dict):
        return {str(k): str(v) for k, v in args.items()}
    if isinstance(args, list):
        return {str(a).partition("=")[0]: str(a).partition("=")[2] for a in args}
    return {}


__all__ = ["Classification", "Where", "import_compose"]
