"""The HTTP edge, once: who is asking, the one error shape, and the one mapping from domain
exceptions to responses, registered on the NinjaAPI by ``register_error_handlers``.

Every error body is ``{"detail": "<one sentence>", ...}``; errors about a part of the request
add ``errors: [{pointer, line, column, kind, message}]`` (422 for an invalid model, an op, a
parameter or a field holding NUL), stale writes add ``current_revision``. API modules raise
domain exceptions (``ModelInvalid``, ``OpError``, ``BodyError``, ``Conflict``, ``Http404``,
``QueueUnavailable``, ``RateLimited``, ``SimulationError``) and never build error responses of their own.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from apps.analysis.analysis import SimulationError
from apps.architectures.bodies import NUL_MESSAGE, BodyError, nul_pointer
from apps.archmodel import ModelInvalid
from apps.archmodel.ops import OpError
from apps.diagrams.render import DiagramInputError, RenderFailed
from apps.imports.importers import ImportInputError
from apps.rules.ratelimit import RateLimited
from apps.workspaces.errors import Conflict
from apps.workspaces.principal import Principal

from .errors import BROKER_ERRORS, QUEUE_UNAVAILABLE, QueueUnavailable

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("workbench.api")

RETRY_AFTER_SECONDS = 5


def principal_of(request: HttpRequest) -> Principal:
    """Who is asking, for API operations and pages alike: the ``Principal`` that
    ``workbench_auth`` set on ``request.auth`` (token or session), else the signed-in user of a
    page behind ``login_required`` (PermissionDenied for an anonymous one)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Principal):
        return auth
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise PermissionDenied
    return Principal(user=user)


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


def field_errors(errors: Any) -> JsonResponse:
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
        if isinstance(exc, ImportInputError):
            detail = str(exc.problems[0]) if exc.problems else "bad input"
            return error(exc.status, detail, **exc.as_dict())
        if isinstance(exc, DiagramInputError):
            return error(422, str(exc))
        if isinstance(exc, RenderFailed):
            return error(503, str(exc))
        if isinstance(exc, (QueueUnavailable, *BROKER_ERRORS)):
            return queue_unavailable()
        if isinstance(exc, RateLimited):
            response = error(429, str(exc))
            response["Retry-After"] = str(exc.wait)
            return response
        if isinstance(exc, SimulationError):
            message = str(exc)
            item = {
                "pointer": "",
                "line": None,
                "column": None,
                "kind": "value",
                "message": message,
            }
            return error(422, f"the scenario is invalid: {message}", errors=[item])
        if isinstance(exc, NinjaValidationError):
            return field_errors(list(exc.errors))
        if isinstance(exc, PydanticValidationError):
            return field_errors(exc.errors(include_url=False, include_context=False))
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
        ImportInputError,
        DiagramInputError,
        RenderFailed,
        QueueUnavailable,
        RateLimited,
        SimulationError,
        NinjaValidationError,
        PydanticValidationError,
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


class RequestGuardMiddleware:
    """Requests no view can use are answered here, before sessions, CSRF or a view touch them:

    - NUL (U+0000) in the URL's path or query, or in any text or key of a JSON body: 422
      pointing at it (PostgreSQL cannot store it; forms already refuse it; model files in YAML
      are checked by the model core);
    - a multipart body without a valid boundary, or one that cannot be parsed: 400 (it used to
      be a 500 from whichever code read ``request.POST`` first, e.g. the CSRF check).
    """

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        response: HttpResponse = self.get_response(request)
        return response

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        if "\x00" in request.path:
            return nul_refused("/path", "the URL path")
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                token = key.replace("\x00", "\\u0000")
                return nul_refused(f"/query/{token}", f"the query parameter '{token}'")
        if (request.content_type or "").endswith("json"):
            try:
                body = request.body
            except RequestDataTooBig:
                return None  # the view says what the limit is
            if b"\\u0000" in body:
                try:
                    at = nul_pointer(json.loads(body))
                except ValueError:
                    at = None  # not JSON: the view answers 400
                if at is not None:
                    return nul_refused(at, f"the field {at or '/'}")
        if request.content_type == "multipart/form-data" and request.method == "POST":
            boundary = (request.content_params or {}).get("boundary", "")
            if not boundary or not _BOUNDARY_RE.fullmatch(boundary):
                return error(
                    400,
                    "malformed multipart body: the Content-Type needs a boundary "
                    "(multipart/form-data; boundary=...)",
                )
            try:
                request.POST  # noqa: B018 - parse once, here, where a failure is answered
            except MultiPartParserError as exc:
                return error(400, f"malformed multipart body: {exc}")
            except RequestDataTooBig:
                return error(413, "the body is too large (DATA_UPLOAD_MAX_MEMORY_SIZE)")
        return None


# What Django's multipart parser accepts as a boundary (RFC 2046).
_BOUNDARY_RE = re.compile(r"[ -~]{0,200}[!-~]")


def _page_or_json(request: HttpRequest, status: int, detail: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error(status, detail)
    from django.shortcuts import render

    return render(request, template, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a URL no route matches is JSON under /api/ (the one error shape), the
    workbench's own page elsewhere."""
    return _page_or_json(request, 404, "Not Found", "404.html")


def server_error_page(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, the workbench's own page elsewhere."""
    return _page_or_json(
        request, 500, "internal error; it was logged. Please report it.", "500.html"
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (e.g. a body Django refuses before any view): JSON under /api/."""
    if request.path.startswith("/api/"):
        return error(400, f"bad request: {exception}" if exception else "bad request")
    return HttpResponse("Bad Request", status=400, content_type="text/plain; charset=utf-8")
