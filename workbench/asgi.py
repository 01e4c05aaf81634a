"""ASGI entry point: HTTP goes to Django (and ``/mcp`` to the MCP server), websockets through
Channels."""

import os
from typing import Any, cast

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings.production")

# Set up Django (and its app registry) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from apps.assistants.asgi import mcp_app  # noqa: E402
from workbench.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                # The MCP server (streamable HTTP, API tokens): docs/mcp.md. Channels routes
                # ASGI apps with Django's path objects, whose stubs expect views: hence cast.
                re_path(r"^mcp/?$", cast(Any, mcp_app)),
                re_path(r"", cast(Any, django_asgi_app)),
            ]
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
