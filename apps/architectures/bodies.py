"""Reading request bodies safely: size first, then bytes, then parsing.

A body over the limit is refused from its Content-Length (or an uploaded file's size) before
anything is read into a parser; JSON nesting is bounded before the data is used.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO, cast

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from apps.archmodel import Limits
from apps.archmodel.validate import NUL_MESSAGE, ROOT, nul_path


class BodyError(Exception):
    """A request body that cannot be used: ``status`` 400, 413 or 415, with a message."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.message}
        if self.errors:
            out["errors"] = self.errors
        return out


def _too_big(size: int, limit: int) -> BodyError:
    return BodyError(
        413,
        f"the body is {size:,} bytes; the limit is {limit:,} bytes (WORKBENCH_MAX_MODEL_BYTES)",
    )


def read_body(request: HttpRequest, limits: Limits) -> bytes:
    """The raw body (or the multipart ``file``), at most ``limits.max_bytes`` long."""
    limit = limits.max_bytes
    raw_length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw_length)
    except ValueError as exc:
        raise BodyError(400, "invalid Content-Length header") from exc
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        # The envelope adds boundaries and headers; the file itself is checked below.
        if length > limit + 64 * 1024:
            raise _too_big(length, limit)
        try:
            # Django parses multipart bodies of POST requests only; PUT is parsed here.
            if request.method == "POST":
                files = request.FILES
            else:
                _, files = request.parse_file_upload(request.META, cast(BinaryIO, request))
            upload = files.get("file")
        except RequestDataTooBig as exc:
            raise _too_big(length, limit) from exc
        except MultiPartParserError as exc:
            raise BodyError(400, f"malformed multipart body: {exc}") from exc
        if upload is None:
            raise BodyError(400, "a multipart upload needs the model in a part named 'file'")
        if upload.size is None or upload.size > limit:
            raise _too_big(upload.size or length, limit)
        data = upload.read(limit + 1)
    else:
        if length > limit:
            raise _too_big(length, limit)
        try:
            data = request.body
        except RequestDataTooBig as exc:
            raise _too_big(length, limit) from exc
    if len(data) > limit:
        raise _too_big(len(data), limit)
    return data


def _depth_ok(value: Any, max_depth: int) -> bool:
    """Iterative, so hostile nesting cannot exhaust the stack here."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                return False
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return True


def parse_json(data: bytes, limits: Limits) -> Any:
    """JSON of a request body: 400 with line and column when malformed, 413-ish limits kept."""
    if not data.strip():
        raise BodyError(400, "the body is empty; send JSON")
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        error = {
            "pointer": "",
            "line": exc.lineno,
            "column": exc.colno,
            "kind": "syntax",
            "message": exc.msg,
        }
        raise BodyError(400, f"the body is not valid JSON: {exc.msg}", [error]) from exc
    except UnicodeDecodeError as exc:
        raise BodyError(400, "the body is not UTF-8 text") from exc
    except RecursionError as exc:
        raise BodyError(400, f"the body nests deeper than {limits.max_depth} levels") from exc
    if not _depth_ok(value, limits.max_depth):
        raise BodyError(400, f"the body nests deeper than {limits.max_depth} levels")
    if b"\\u0000" in data:
        at = nul_pointer(value)
        if at is not None:
            raise BodyError(422, f"{at or '/'}: {NUL_MESSAGE}", [_nul_error(at)])
    return value


def _nul_error(pointer: str) -> dict[str, Any]:
    return {
        "pointer": pointer,
        "line": None,
        "column": None,
        "kind": "value",
        "message": NUL_MESSAGE,
    }


def nul_pointer(value: Any) -> str | None:
    """The JSON pointer of the first text or key holding NUL, or None (the model core's walk)."""
    where = nul_path(value, ROOT)
    return None if where is None else str(where)


def is_json(request: HttpRequest) -> bool:
    return (request.content_type or "").endswith("json")


# How endpoints that take a model file describe their body in the OpenAPI docs.
MODEL_BODY = {
    "requestBody": {
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        }
    }
}
