"""The model websocket: who may join, what it relays, and presence."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from apps.architectures.events import model_group
from apps.architectures.services import architecture_apply_ops
from apps.editor.consumers import ModelConsumer
from apps.workspaces.principal import Principal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

app = ModelConsumer.as_asgi()


def communicator(user: Any, model_id: int) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app, f"/ws/models/{model_id}/")
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": {"model_id": model_id}}
    return comm


async def join(user: Any, model_id: int) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    comm = communicator(user, model_id)
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return comm, hello


async def next_of(comm: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = await comm.receive_json_from(timeout=timeout)
            if message["type"] == kind:
                return message


@pytest.fixture(autouse=True)
def _clear_presence() -> None:
    cache.clear()


async def closed_with(comm: WebsocketCommunicator) -> int:
    connected, _ = await comm.connect()
    assert connected  # accepted first, so the close code reaches the browser
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return int(output["code"])


async def test_an_outsider_is_refused_with_4404(world) -> None:
    code = await closed_with(communicator(world.users["outsider"], world.arch.pk))
    assert code == 4404


async def test_a_missing_model_is_refused_with_4404(world) -> None:
    code = await closed_with(communicator(world.users["owner"], 999_999))
    assert code == 4404


async def test_an_anonymous_visitor_is_refused_with_4401(world) -> None:
    code = await closed_with(communicator(AnonymousUser(), world.arch.pk))
    assert code == 4401


async def test_hello_tells_the_member_their_role_and_the_revision(world) -> None:
    comm, hello = await join(world.users["viewer"], world.arch.pk)
    assert hello["role"] == "viewer"
    assert hello["revision"] == world.arch.revision
    assert [p["user"] for p in hello["presence"]] == [world.users["viewer"].username]
    await comm.disconnect()


async def test_a_committed_edit_reaches_every_member_including_viewers(world) -> None:
    viewer, _ = await join(world.users["viewer"], world.arch.pk)
    editor, _ = await join(world.users["editor"], world.arch.pk)
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    await database_sync_to_async(architecture_apply_ops)(
        architecture_id=world.arch.pk, ops=ops, actor=Principal(user=world.users["editor"])
    )
    for comm in (viewer, editor):
        event = await next_of(comm, "model.changed")
        assert event["revision"] == world.arch.revision + 1
        assert event["author"] == world.users["editor"].username
        assert event["ops"] == ops
    await viewer.disconnect()
    await editor.disconnect()


async def test_a_failed_edit_broadcasts_nothing(world) -> None:
    comm, _ = await join(world.users["viewer"], world.arch.pk)
    await next_of(comm, "presence")  # my own arrival
    bad = [{"op": "update", "kind": "service", "id": "nope", "set": {"replicas": 3}}]
    with pytest.raises(ValueError):
        await database_sync_to_async(architecture_apply_ops)(
            architecture_id=world.arch.pk, ops=bad, actor=world.owner
        )
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_a_viewer_cannot_write_through_the_socket(world) -> None:
    comm, _ = await join(world.users["viewer"], world.arch.pk)
    await comm.send_json_to(
        {"type": "ops", "ops": [{"op": "remove", "kind": "service", "id": "web"}]}
    )
    reply = await next_of(comm, "error")
    assert "POST /api/v1/models" in reply["detail"]
    await comm.disconnect()


async def test_a_viewer_cannot_write_over_http_either(world) -> None:
    response = await database_sync_to_async(world.call)(
        "viewer",
        "post",
        f"/api/v1/models/{world.arch.pk}/ops",
        data=[{"op": "update", "kind": "service", "id": "web", "set": {"replicas": 2}}],
        content_type="application/json",
    )
    assert response.status_code == 403


async def test_export_progress_events_are_relayed(world) -> None:
    comm, _ = await join(world.users["viewer"], world.arch.pk)
    event = {"type": "export.progress", "job": 7, "status": "running", "progress": 0.5}
    await get_channel_layer().group_send(model_group(world.arch.pk), event)
    assert await next_of(comm, "export.progress") == event
    await comm.disconnect()


async def test_presence_shows_who_is_here_and_what_they_selected(world) -> None:
    owner, _ = await join(world.users["owner"], world.arch.pk)
    editor, hello = await join(world.users["editor"], world.arch.pk)
    assert {p["user"] for p in hello["presence"]} == {
        world.users["owner"].username,
        world.users["editor"].username,
    }
    await editor.send_json_to({"type": "select", "element": "orders", "kind": "service"})
    while True:
        update = await next_of(owner, "presence")
        mine = [p for p in update["users"] if p["user"] == world.users["editor"].username]
        if mine and mine[0]["selected"]:
            break
    assert mine[0]["selected"] == {"id": "orders", "kind": "service"}
    await editor.disconnect()
    while True:
        update = await next_of(owner, "presence")
        if len(update["users"]) == 1:
            break
    assert update["users"][0]["user"] == world.users["owner"].username
    await owner.disconnect()


async def test_a_heartbeat_is_answered(world) -> None:
    comm, _ = await join(world.users["viewer"], world.arch.pk)
    await comm.send_json_to({"type": "ping"})
    assert (await next_of(comm, "pong"))["type"] == "pong"
    await comm.disconnect()


async def test_redis_down_closes_the_socket_with_4503_and_a_reason(world, monkeypatch) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from apps.editor import consumers

    def down(**kwargs: Any) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(consumers.presence, "presence_update", down)
    comm = communicator(world.users["viewer"], world.arch.pk)
    connected, _ = await comm.connect()
    assert connected
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.close" and output["code"] == 4503
    assert output["reason"] == "the live channel is unavailable, try again"
