"""OpenAPI 3.x (YAML or JSON) → one service providing one REST api with its operations.

``service`` names the service (new, or an existing one when merged into a stored model);
without it the service is named after ``info.title``. Only local ``$ref``s (``#/...``) are
followed; remote ones are reported as ignored and never fetched.
"""

from __future__ import annotations

from typing import Any

from .builder import DocumentBuilder, Where, slugify
from .common import as_dict
from .reader import Doc, read_one
from .report import ImportInputError, ImportReport
from .sources import SourceFile

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def resolve_local(
    doc_root: Any, node: Any, report: ImportReport, file: str, line: int | None, depth: int = 0
) -> Any:
    """Follow a ``{$ref: '#/a/b'}`` inside the same document (a few hops at most)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            report.ignore_once(f"remote $ref '{ref[:200]}' is never fetched", file, line)
            return None
        target: Any = doc_root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            else:
                report.ignore_once(f"$ref '{ref[:200]}' points nowhere in the document", file, line)
                return None
        node = target
        depth += 1
    return node


def remote_refs(node: Any, limit: int = 50) -> list[str]:
    """Every non-local ``$ref`` in the document (iteratively; the first ``limit``)."""
    out: list[str] = []
    stack = [node]
    while stack and len(out) < limit:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                out.append(ref)
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return out


def as_schemes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    components = data.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict):
        return {}
    return {str(k): v for k, v in schemes.items() if isinstance(v, dict)}


def openapi_operations(doc: Doc, report: ImportReport, api_id: str) -> list[dict[str, str]]:
    """``{method, path}`` of every operation of an OpenAPI document (also used for the inline
    ``definition`` of a Backstage API)."""
    data = doc.data
    paths = data.get("paths") if isinstance(data, dict) else None
    operations = []
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        line = doc.line(paths, path)
        item = resolve_local(data, item, report, doc.file, line)
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if isinstance(item.get(method), dict):
                operations.append({"method": method.upper(), "path": str(path)[:500]})
        if isinstance(item.get("trace"), dict):
            report.ignore(f"TRACE {path} is not a model operation method", doc.file, line, api_id)
    return operations


def _auth(data: dict[str, Any]) -> str | None:
    for scheme in as_schemes(data).values():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return "jwt"
        if kind in ("oauth2", "openIdConnect"):
            return "oauth2"
        if kind == "apiKey":
            return "api-key"
        if kind == "mutualTLS":
            return "mtls"
    return None


def import_openapi(
    files: list[SourceFile], *, name: str | None = None, service: str | None = None
) -> tuple[dict, ImportReport]:
    report = ImportReport()
    builder = DocumentBuilder(name or "openapi", report)
    for f in files:
        doc = read_one(f.content, f.name)
        add_openapi(builder, report, doc, service=service)
    if not name and len(builder.elements) == 1:
        builder.name = next(iter(builder.elements))
    return builder.document(), report


def add_openapi(
    builder: DocumentBuilder, report: ImportReport, doc: Doc, *, service: str | None
) -> str:
    data = doc.data
    file = doc.file
    if not isinstance(data, dict):
        raise ImportInputError.one("expected an OpenAPI document (a mapping)", file, doc.line0)
    version = str(data.get("openapi", ""))
    if "swagger" in data:
        raise ImportInputError.one(
            "Swagger/OpenAPI 2.0 is not supported; convert it to OpenAPI 3",
            file,
            doc.line(data, "swagger"),
        )
    if not version.startswith("3."):
        raise ImportInputError.one(
            "expected 'openapi: 3.x' at the top", file, doc.line(data, "openapi") or doc.line0
        )
    info = as_dict(data.get("info"))
    paths = data.get("paths")
    if paths is not None and not isinstance(paths, dict):
        raise ImportInputError.one("'paths' must be a mapping", file, doc.line(data, "paths"))
    title = str(info.get("title") or "api")
    sname = service or title
    where = Where(file, doc.line(data, "info"))
    sid = builder.add("services", sname, {"runtime": "other"}, where=where)
    if service:
        report.infer(f"operations go onto service '{sid}' (--service)", file, where.line, sid)
    else:
        report.guess(f"service '{sid}' named after info.title '{title}'", file, where.line, sid)
    api_id = builder.api_id(
        f"{slugify(title, 'api')}-api" if not slugify(title).endswith("api") else title
    )
    api: dict[str, Any] = {"id": api_id, "title": title[:200], "style": "rest"}
    if isinstance(info.get("description"), str):
        api["description"] = info["description"][:10_000]
    raw_version = str(info.get("version") or "")
    major = raw_version.lstrip("vV").split(".", 1)[0]
    if major.isdigit():
        api["version"] = f"v{major}"
        report.guess(
            f"api version v{major} from info.version '{raw_version}'",
            file,
            doc.line(info, "version"),
            api_id,
        )
    auth = _auth(data)
    for sname_, scheme in as_schemes(data).items():
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() != "bearer":
            report.ignore(
                f"security scheme '{sname_}' (http {scheme.get('scheme')}) has no model auth "
                f"value (jwt, oauth2, api-key, mtls); {'auth ' + auth if auth else 'auth none'} "
                "recorded",
                file,
                doc.line(data, "components"),
                api_id,
            )
    if auth:
        api["auth"] = auth
        report.guess(
            f"api auth {auth} from components.securitySchemes",
            file,
            doc.line(data, "components"),
            api_id,
        )
    operations = openapi_operations(doc, report, api_id)
    api["operations"] = operations
    report.infer(
        f"api '{api_id}' with {len(operations)} operation(s)", file, doc.line(data, "paths"), api_id
    )
    for ref in remote_refs(data):
        report.ignore_once(f"remote $ref '{ref[:200]}' is never fetched", file, None, api_id)
    element = builder.get(sid)
    assert element is not None
    element.fields.setdefault("apis", []).append(api)
    return sid
