"""Websocket URL routes, served by the Channels router in asgi.py.

Add an app's consumer routes here, e.g.
    from apps.architectures.routing import websocket_urlpatterns as architecture_ws
    websocket_urlpatterns = [*architecture_ws]
or directly: path("ws/models/<int:model_id>/", ModelConsumer.as_asgi()).
"""

from __future__ import annotations

from typing import Any

from apps.editor.routing import websocket_urlpatterns as editor_ws

websocket_urlpatterns: list[Any] = [
    *editor_ws,  # ws/models/<id>/: live model changes, export progress, presence (apps.editor)
]
