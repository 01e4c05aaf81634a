from __future__ import annotations

import asyncio
import os

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from workbench.asgi import application


# Channels' consumers (the denier included) close stale DB connections on every message, so the
# test must be allowed to touch the database even though it reads nothing from it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websockets_from_a_foreign_origin_are_refused() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/anything/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_channel_layer_delivers_a_message_to_a_group_member() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("test-group", channel)
    await layer.group_send("test-group", {"type": "model.changed", "id": 7})
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message == {"type": "model.changed", "id": 7}
    await layer.group_discard("test-group", channel)


@pytest.mark.integration
@pytest.mark.asyncio
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
async def test_channel_layer_round_trips_through_real_redis() -> None:
    from channels_redis.core import RedisChannelLayer

    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "ping", "text": "über"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message == {"type": "ping", "text": "über"}
    await layer.flush()
