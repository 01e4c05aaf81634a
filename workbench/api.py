"""The versioned HTTP API: one NinjaAPI mounted at /api/v1/, docs at /api/v1/docs.

Apps contribute routers; to add one, append `(prefix, "apps.<app>.api.router")` to ROUTERS.
Keep operations thin (parse, call one service/selector, shape output); see CONTRIBUTING.md.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema

api = NinjaAPI(
    title="Architecture Workbench API",
    version="1",
    urls_namespace="api-v1",
    docs_url="/docs",
)

# (URL prefix under /api/v1, dotted path to an app's `ninja.Router`), e.g.
#   ("/workspaces", "apps.workspaces.api.router"),
#   ("/models", "apps.architectures.api.router"),
#   ("/rules", "apps.rules.api.router"),
ROUTERS: list[tuple[str, str]] = [
    ("/workspaces", "apps.workspaces.api.router"),  # workspaces, members, tokens
    ("", "apps.architectures.api.router"),  # /workspaces/{ws}/models, /models/..., /schema/...
    ("", "apps.rules.api.router"),  # /validate, /models/{id}/findings, /rules
    ("", "apps.analysis.api.router"),  # /analyse, /simulate, /models/{id}/analysis
    ("", "apps.imports.api.router"),  # /import, /models/{id}/import-*, /drift
    ("", "apps.exports.api.router"),  # /models/{id}/exports, /exports/{job_id}[/download]
    ("", "apps.diagrams.api.router"),  # /models/{id}/diagrams/{view}.{fmt}, /diagrams/...
]

for prefix, router in ROUTERS:
    api.add_router(prefix, router)

logger = logging.getLogger("workbench.api")


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug is logged with its traceback and answered as an honest 500 in JSON (never a page or
    a traceback). Bad input never gets here: each endpoint answers it with a 4xx and a message."""
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return api.create_response(
        request, {"detail": "internal error; it was logged. Please report it."}, status=500
    )


class HealthOut(Schema):
    status: str


@api.get("/health", response=HealthOut, tags=["meta"], auth=None)
def get_health(request: HttpRequest) -> dict[str, str]:
    """Liveness for load balancers and `make run`: the process answers; nothing else is probed."""
    return {"status": "ok"}
