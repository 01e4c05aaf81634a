"""The HTTP edge, once: who is asking, the one error shape, and the one mapping from domain
exceptions to responses, registered on the NinjaAPI by ``register_error_handlers``.

Every error body is ``{"detail": "<one sentence>", ...}``; errors about a part of the request
add ``errors: [{pointer, line, column, kind, message}]`` (422 for an invalid model, an op, a
parameter or a field holding NUL), stale writes add ``current_revision``. API modules raise
domain exceptions (``ModelInvalid``, ``OpError``, ``BodyError``, ``Conflict``, ``Http404``,
``QueueUnavailable``) and never build error responses of their own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.datastructures import MultiValueDict
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

from apps.architectures.bodies import NUL_MESSAGE, BodyError, nul_pointer
from apps.archmodel import ModelInvalid
from apps.archmodel.ops import OpError
from apps.workspaces.errors import Conflict
from apps.workspaces.principal import Principal

from .errors import BROKER_ERRORS, QUEUE_UNAVAILABLE, QueueUnavailable

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("workbench.api")

RETRY_AFTER_SECONDS = 5


def principal(request: HttpRequest) -> Principal:
    """Who is asking: set on ``request.auth`` by ``workbench_auth`` (see apps.workspaces.auth)."""
    return request.auth  # type: ignore[attr-defined]


def error(status: int, detail: str, **extra: Any) -> JsonResponse:
    """The one error shape: ``{"detail": str, ...extra}``."""
    return JsonResponse({"detail": detail, **extra}, status=status)


def model_invalid(exc: ModelInvalid) -> JsonResponse:
    return error(422, f"the model is invalid: {len(exc.errors)} error(s)", **exc.as_dict())


def queue_unavailable() -> JsonResponse:
    response = error(503, QUEUE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _pointer(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload")]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def field_errors(errors: list[dict[str, Any]]) -> JsonResponse:
    """422 for request fields (pydantic/ninja errors): the one shape, one entry per field, the
    pydantic ``loc``/``msg``/``type`` kept for clients that read them."""
    out = []
    for e in errors:
        loc = list(e.get("loc", ()))
        message = str(e.get("msg", "invalid value"))
        out.append(
            {
                "pointer": _pointer(loc),
                "line": None,
                "column": None,
                "kind": "value" if e.get("type") != "missing" else "type",
                "message": message,
                "loc": loc,
                "msg": message,
                "type": e.get("type", "value_error"),
            }
        )
    first = out[0] if out else {"pointer": "", "message": "invalid request"}
    where = "/".join(str(p) for p in first.get("loc", ())) or "the request"
    return error(422, f"invalid request: {where}: {first['message']}", errors=out)


def register_error_handlers(api: NinjaAPI) -> None:
    """Map every domain exception to its response, once, on ``api``."""

    def respond(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, BodyError):
            return JsonResponse(exc.as_dict(), status=exc.status)
        if isinstance(exc, ModelInvalid):
            return model_invalid(exc)
        if isinstance(exc, OpError):
            return error(422, exc.message, errors=[exc.as_dict()])
        if isinstance(exc, Conflict):
            return error(409, exc.message, **exc.extra)
        if isinstance(exc, (QueueUnavailable, *BROKER_ERRORS)):
            return queue_unavailable()
        if isinstance(exc, NinjaValidationError):
            return field_errors(list(exc.errors))
        if isinstance(exc, HttpError):
            return error(exc.status_code, str(exc))
        if isinstance(exc, Http404):
            return error(404, str(exc) or "Not Found")
        raise exc

    handled: tuple[type[Exception], ...] = (
        BodyError,
        ModelInvalid,
        OpError,
        Conflict,
        QueueUnavailable,
        NinjaValidationError,
        HttpError,
        Http404,
        *(e for e in BROKER_ERRORS if issubclass(e, Exception)),
    )
    for cls in handled:
        api.add_exception_handler(cls, respond)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """A bug is logged with its traceback and answered as an honest 500 in JSON (never a
        page or a traceback). Bad input never gets here: it is one of the exceptions above."""
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error(500, "internal error; it was logged. Please report it.")


def nul_refused(pointer: str, where: str) -> JsonResponse:
    return error(
        422,
        f"{where}: {NUL_MESSAGE}",
        errors=[
            {
                "pointer": pointer,
                "line": None,
                "column": None,
                "kind": "value",
                "message": NUL_MESSAGE,
            }
        ],
    )


class NulRefusingParser(Parser):
    """Ninja's JSON parser, refusing NUL in any text of the body or the query with a 422 that
    points at the field (PostgreSQL cannot store U+0000 in text)."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        at = nul_pointer(data)
        if at is not None:
            loc = ["body", *[p for p in at.split("/")[1:]]]
            raise NinjaValidationError([{"loc": loc, "msg": NUL_MESSAGE, "type": "value_error"}])
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in str(v) for v in values):
                raise NinjaValidationError(
                    [{"loc": ["query", key], "msg": NUL_MESSAGE, "type": "value_error"}]
                )
        return super().parse_querydict(data, list_fields, request)


class RefuseNulMiddleware:
    """A URL whose path or query holds NUL never reaches a view: 422 pointing at it (pages and
    the API alike; forms already refuse NUL in fields)."""

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return nul_refused("/path", "the URL path")
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                token = key.replace("\x00", "\\u0000")
                return nul_refused(f"/query/{token}", f"the query parameter '{token}'")
        response: HttpResponse = self.get_response(request)
        return response
