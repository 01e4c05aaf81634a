"""``/mcp``: the remote MCP server as an ASGI app, mounted beside Django in ``workbench/asgi.py``.

- Authentication: ``Authorization: Bearer wbt_...`` (an API token of ``apps.workspaces``) on
  every request, checked before the SDK sees it; none, malformed, unknown or revoked → 401 with
  ``WWW-Authenticate: Bearer`` and the API's ``{"detail"}`` body. No cookie or session is
  accepted, so a web page cannot borrow a browser's credentials (which is also why the SDK's
  DNS-rebinding Host check is not needed here: it protects unauthenticated local servers).
  The token travels to the tools as the SDK's ``AccessToken`` (``get_access_token()``) and the
  tools resolve it again (``remote.principal_for``).
- Transport: the SDK's streamable HTTP app, stateless with JSON responses: every POST is a
  complete exchange, so any web process can answer any request (no session affinity between
  daphne processes behind a load balancer).
- Lifespan: daphne does not run ASGI lifespan events, so the SDK's session manager (a task
  group the requests run in) is started on the first request, on the server's event loop, and
  lives as long as the process.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecuritySettings
from starlette.authentication import AuthCredentials

from apps.workspaces.auth import token_authenticate

PATH = "/mcp"
MAX_BODY = 6 * 1024 * 1024  # a model's source may be sent to validate_model / check_model

Scope = dict[str, Any]


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


async def _unauthorized(send: Any, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="workbench"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@database_sync_to_async
def _access_token(raw: str) -> AccessToken | None:
    token = token_authenticate(raw)
    if token is None:
        return None
    return AccessToken(
        token=raw,
        client_id=f"wbt_{token.prefix}",
        scopes=[token.role],
        subject=f"workspace:{token.workspace_id}",
    )


class McpApp:
    """The ASGI app for ``/mcp``: authenticate, then hand the request to the SDK's app."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = asyncio.Lock()
        self._runner: asyncio.Task[None] | None = None

    async def _started(self) -> Any:
        async with self._lock:
            if self._app is None:
                from .remote import build_server

                server = build_server()
                app = server.streamable_http_app(
                    streamable_http_path=PATH,
                    stateless_http=True,
                    json_response=True,
                    max_request_body_size=MAX_BODY,
                    transport_security=TransportSecuritySettings(
                        enable_dns_rebinding_protection=False
                    ),
                )
                ready = asyncio.Event()

                async def run() -> None:
                    async with server.session_manager.run():
                        ready.set()
                        await asyncio.Event().wait()  # until the process ends

                self._runner = asyncio.get_running_loop().create_task(run())
                await ready.wait()
                self._app = AuthContextMiddleware(app)
        return self._app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        scheme, _, raw = _header(scope, b"authorization").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            await _unauthorized(send, "authentication required: send Authorization: Bearer wbt_...")
            return
        access = await _access_token(raw.strip())
        if access is None:
            await _unauthorized(send, "the API token is unknown, malformed or revoked")
            return
        app = await self._started()
        scope = dict(scope)
        scope["user"] = AuthenticatedUser(access)
        scope["auth"] = AuthCredentials(access.scopes)
        await app(scope, receive, send)


mcp_app = McpApp()
