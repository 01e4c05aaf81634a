"""The remote server's tool bodies with the personas: who may do what, and a write through MCP
is an element-ops write like the API's (revision, broadcast to open editors, op errors)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.archmodel.ops import OpError
from apps.assistants import remote

pytestmark = pytest.mark.django_db

OPS = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]


def principal(world, persona):
    return remote.principal_for(world.tokens.get(persona))


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("editor_token", "ok"),
        ("viewer_token", PermissionDenied),
        ("other_workspace_token", Http404),
        ("revoked_token", remote.NotAuthenticated),
        ("anonymous", remote.NotAuthenticated),
    ],
)
def test_apply_ops_is_for_editor_tokens_of_the_models_workspace(world, persona, outcome):
    def run():
        return remote._apply_ops(
            principal=principal(world, persona), model_id=world.arch.pk, ops=OPS
        )

    if outcome == "ok":
        assert run()["revision"] == 2
    else:
        with pytest.raises(outcome):
            run()
        world.arch.refresh_from_db()
        assert world.arch.revision == 1


def test_a_write_through_mcp_is_broadcast_to_open_editors_after_commit(
    world, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"model-{world.arch.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        out = remote._apply_ops(
            principal=principal(world, "editor_token"), model_id=world.arch.pk, ops=OPS
        )
    event = async_to_sync(layer.receive)(channel)
    assert event["type"] == "model.changed" and event["revision"] == out["revision"]
    assert event["ops"] == OPS and event["author"] == out["author"]


def test_an_op_that_cannot_apply_changes_nothing(world):
    bad = [*OPS, {"op": "remove", "kind": "service", "id": "no-such-service"}]
    with pytest.raises(OpError):
        remote._apply_ops(
            principal=principal(world, "editor_token"), model_id=world.arch.pk, ops=bad
        )
    world.arch.refresh_from_db()
    assert world.arch.revision == 1
    assert "not found" in remote._problem(Http404("No such model"))


def test_a_viewer_token_lists_and_reads_only_its_workspace(world):
    viewer = principal(world, "viewer_token")
    assert [m["id"] for m in remote._list_models(principal=viewer)] == [world.arch.pk]
    assert "name: shop" in remote._get_model(principal=viewer, model_id=world.arch.pk)
    with pytest.raises(Http404):
        remote._get_model(
            principal=principal(world, "other_workspace_token"), model_id=world.arch.pk
        )
