"""What the generated OpenAPI document adds to ninja's: every error response with the one
error schema, enums of the parameters that take a fixed set of values, and body limits, so
generated clients and contract tests (schemathesis in the integration tests) can rely on it."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from apps.archmodel.errors import ERROR_KINDS

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every error: one sentence in `detail`; per-field problems in `errors`.",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}},
        "current_revision": {"type": "integer", "description": "409/428: the model's revision"},
        "state": {"type": "string", "description": "409: the job's state"},
    },
}
ERROR_ITEM_SCHEMA: dict[str, Any] = {
    "title": "ErrorItem",
    "type": "object",
    "required": ["message"],
    "properties": {
        "pointer": {"type": "string", "description": "JSON pointer into the body or model"},
        "file": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "import and drift: the uploaded file the problem is in",
        },
        "line": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "column": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "kind": {"type": "string", "enum": [*ERROR_KINDS, "op"]},
        "message": {"type": "string"},
    },
}

ERROR_STATUSES = {
    "400": "The request cannot be read: bad parameter, malformed body or multipart.",
    "401": "No credentials, or a bad or revoked token.",
    "403": "Known to the workspace, but the role is too low (or the CSRF check failed).",
    "404": "No such object, or not visible to the caller (the two are indistinguishable).",
    "409": "The write contradicts the current state (stale revision, job not finished).",
    "413": "The body is over WORKBENCH_MAX_MODEL_BYTES.",
    "415": "The body's Content-Type is not one this operation reads.",
    "422": "Invalid model, op, parameter or field (NUL included), with `errors`.",
    "428": 'A whole-document write without ?base_revision= or If-Match: "<n>".',
    "429": "Rate limited (WORKBENCH_VALIDATE_RATE); see Retry-After.",
    "503": "The job queue is unavailable, try again (see Retry-After); or Graphviz failed.",
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


def _enums() -> dict[str, list[str]]:
    from apps.diagrams.code import CODE_FORMATS
    from apps.diagrams.render import FORMATS as DIAGRAM_FORMATS
    from apps.diagrams.render.views import ALL_VIEWS
    from apps.imports.importers import KINDS
    from apps.rules.api import FORMATS as REPORT_FORMATS
    from apps.rules.registry import SEVERITIES

    return {
        "view": list(ALL_VIEWS),
        "diagram_format": [*DIAGRAM_FORMATS, *CODE_FORMATS],
        "report_format": list(REPORT_FORMATS),
        "document_format": ["yaml", "json"],
        "severity": list(SEVERITIES),
        "import_kind": list(KINDS),
    }


def _enum_for(path: str, name: str, enums: dict[str, list[str]]) -> list[str] | None:
    if name == "view":
        return enums["view"]
    if name == "fmt" or (name == "format" and "/diagrams/" in path):
        return enums["diagram_format"]
    if name == "format":
        return enums["document_format"] if path.endswith("/export") else enums["report_format"]
    if name == "fail_on":
        return enums["severity"]
    if name == "from" and ("import" in path or "drift" in path):
        return enums["import_kind"]
    return None


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    out = ["400", "404", "422", "503"]
    if operation.get("security"):
        out += ["401", "403"]
    if method in WRITE_METHODS:
        out += ["409", "413", "415"]
    if path.endswith("/validate"):
        out.append("429")
    if method == "put" and path.endswith("/document"):
        out.append("428")
    if method == "get" and ("/download" in path or path.endswith("/result")):
        out.append("409")
    return sorted(set(out))


QUEUED_DIAGRAM = {
    "description": "A large diagram: a job to poll at `url` (also in Location).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["id", "state", "progress", "url"],
                "properties": {
                    "id": {"type": "string"},
                    "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "detail": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "url": {"type": "string"},
                    "result_url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "job": {"$ref": "#/components/schemas/JobOut"},
                },
            }
        }
    },
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with error responses, enums and body limits added (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = copy.deepcopy(ERROR_SCHEMA)
    components["ErrorItem"] = copy.deepcopy(ERROR_ITEM_SCHEMA)
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    enums = _enums()
    max_bytes = int(settings.WORKBENCH_MAX_MODEL_BYTES)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for parameter in operation.get("parameters", []):
                values = _enum_for(path, parameter.get("name", ""), enums)
                if values is not None:
                    parameter.setdefault("schema", {})["enum"] = values
            responses = operation.setdefault("responses", {})
            if "/diagrams/" in path and "/jobs/" not in path:
                responses.setdefault(202, copy.deepcopy(QUEUED_DIAGRAM))
            for status in _statuses(path, method, operation):
                # ninja keys responses by int; a str key would make a second entry
                existing = responses.get(int(status)) or responses.get(status)
                if existing is None:
                    responses[int(status)] = {
                        "description": ERROR_STATUSES[status],
                        "content": copy.deepcopy(error_content),
                    }
                elif not existing.get("content"):
                    existing["content"] = copy.deepcopy(error_content)
            body = operation.get("requestBody")
            if body:
                body.setdefault(
                    "description", f"At most {max_bytes:,} bytes (WORKBENCH_MAX_MODEL_BYTES)."
                )
                body["x-max-bytes"] = max_bytes
                for media in body.get("content", {}).values():
                    media_schema = media.get("schema", {})
                    if media_schema.get("type") == "string":
                        media_schema.setdefault("maxLength", max_bytes)
    return schema
