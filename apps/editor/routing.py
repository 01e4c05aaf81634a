"""Websocket routes of the editor; included by ``workbench/routing.py``."""

from __future__ import annotations

from django.urls import path

from .consumers import ModelConsumer

websocket_urlpatterns = [
    path("ws/models/<int:model_id>/", ModelConsumer.as_asgi()),
]
