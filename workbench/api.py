"""The versioned HTTP API: one NinjaAPI mounted at /api/v1/, docs at /api/v1/docs.

Apps contribute routers; to add one, append `(prefix, "apps.<app>.api.router")` to ROUTERS.
Keep operations thin (parse, call one service/selector, shape output); see CONTRIBUTING.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from apps.core.http import register_error_handlers
from apps.core.openapi import document_errors


class WorkbenchAPI(NinjaAPI):
    """ninja's API, whose OpenAPI document also lists every error response (one schema),
    the enums of fixed-choice parameters and the body limits (see apps/core/openapi.py)."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(**kwargs))


api = WorkbenchAPI(
    title="Architecture Workbench API",
    version="1",
    urls_namespace="api-v1",
    docs_url="/docs",
)
# Domain exceptions → responses, once for every operation (see apps/core/http.py).
register_error_handlers(api)

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


class HealthOut(Schema):
    status: str


@api.get("/health", response=HealthOut, tags=["meta"], auth=None)
def get_health(request: HttpRequest) -> dict[str, str]:
    """Liveness for load balancers and `make run`: the process answers; nothing else is probed."""
    return {"status": "ok"}
