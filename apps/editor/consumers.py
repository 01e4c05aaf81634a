"""The model websocket, ``ws/models/<id>/``: live changes, export progress and presence.

Read-only by design: edits are element ops over HTTP, and the services broadcast
``model.changed`` to the group ``model-<id>`` after the write commits
(``apps.architectures.events``). Here we only authenticate (session, in ``connect()``), join the
group, relay what the group receives, and keep presence.

Client → server: ``{"type": "select", "element": <address> | null, "kind": <kind>}``,
``{"type": "ping"}`` (a heartbeat, every ``presence.HEARTBEAT`` s).
Server → client: ``hello``, ``model.changed``, ``export.progress``, ``job.progress`` (every
job of the model in the one job contract, apps/core/jobs.py), ``presence``, ``pong``, ``error``. Close codes: 4401 not signed in, 4404 no such model or not a member, 4503 Redis
(channel layer, presence) unavailable, with the reason "the live channel is unavailable, try
again".
"""

from __future__ import annotations

import hashlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.architectures.events import model_group
from apps.architectures.selectors import architecture_get_for
from apps.core.errors import BROKER_ERRORS
from apps.workspaces.principal import Principal
from apps.workspaces.selectors import role_in

from . import presence

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_UNAVAILABLE = 4503
UNAVAILABLE_REASON = "the live channel is unavailable, try again"
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (*BROKER_ERRORS, OSError)
PRESENCE_CHANGED = "presence.changed"
MAX_ADDRESS = 300


@database_sync_to_async
def _membership(user: Any, architecture_id: int) -> tuple[int, str]:
    """(revision, role) for a member; Http404 for an outsider or a missing model."""
    principal = Principal(user=user)
    arch = architecture_get_for(principal=principal, architecture_id=architecture_id)
    role = role_in(principal=principal, workspace=arch.workspace)
    return arch.revision, role or "viewer"


class ModelConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab's live connection to one model."""

    architecture_id: int
    group: str
    conn: str = ""

    async def connect(self) -> None:
        self.architecture_id = int(self.scope["url_route"]["kwargs"]["model_id"])
        self.group = model_group(self.architecture_id)
        user = self.scope.get("user")
        # Accept first: a close code only reaches the browser on an open socket.
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            revision, role = await _membership(user, self.architecture_id)
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except PermissionDenied:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        conn = hashlib.sha256(self.channel_name.encode()).hexdigest()[:12]
        self.username = user.get_username()
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
            users = await database_sync_to_async(presence.presence_update)(
                architecture_id=self.architecture_id,
                conn=conn,
                user=self.username,
                role=role,
                selected=None,
            )
        except UNAVAILABLE_ERRORS:
            # Redis (channel layer, presence) does not answer: say so; the page reconnects.
            await self.close(code=CLOSE_UNAVAILABLE, reason=UNAVAILABLE_REASON)
            return
        self.conn = conn
        await self.send_json(
            {
                "type": "hello",
                "model": self.architecture_id,
                "revision": revision,
                "role": role,
                "user": self.username,
                "conn": self.conn,
                "heartbeat": presence.HEARTBEAT,
                "presence": users,
            }
        )
        await self._broadcast_presence(users)

    async def disconnect(self, code: int) -> None:
        if not self.conn:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        users = await database_sync_to_async(presence.presence_remove)(
            architecture_id=self.architecture_id, conn=self.conn
        )
        await self._broadcast_presence(users)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "select":
            element = content.get("element")
            if element is not None and (not isinstance(element, str) or len(element) > MAX_ADDRESS):
                await self.send_json({"type": "error", "detail": "element must be an address"})
                return
            element_kind = content.get("kind")
            selected = (
                {"id": element, "kind": element_kind if isinstance(element_kind, str) else None}
                if element
                else None
            )
            users = await database_sync_to_async(presence.presence_update)(
                architecture_id=self.architecture_id, conn=self.conn, selected=selected
            )
            await self._broadcast_presence(users)
        elif kind == "ping":
            await database_sync_to_async(presence.presence_update)(
                architecture_id=self.architecture_id, conn=self.conn
            )
            await self.send_json({"type": "pong"})
        else:
            await self.send_json(
                {
                    "type": "error",
                    "detail": "this socket only takes 'select' and 'ping'; edits go through "
                    "POST /api/v1/models/<id>/ops",
                }
            )

    async def _broadcast_presence(self, users: list[dict[str, Any]]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": PRESENCE_CHANGED, "model": self.architecture_id, "users": users}
        )

    # --- group events, relayed to the browser --------------------------------------------------

    async def model_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def export_progress(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def job_progress(self, event: dict[str, Any]) -> None:
        """Any job of this model (export, diagram) in the one job contract (apps/core/jobs.py)."""
        await self.send_json(event)

    async def presence_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "presence", "users": event["users"]})
