"""The permission matrix of the workspace endpoints: every persona against every operation."""

from __future__ import annotations

import pytest

from tests.apps.workspaces.personas import ROLES, World, expected_status

pytestmark = pytest.mark.django_db

# (name, minimum role, method, path template, kwargs builder)
ENDPOINTS = [
    ("get_workspace", "viewer", "get", "/api/v1/workspaces/{ws}", lambda w: {}),
    ("delete_workspace", "owner", "delete", "/api/v1/workspaces/{ws}", lambda w: {}),
    ("list_members", "viewer", "get", "/api/v1/workspaces/{ws}/members", lambda w: {}),
    (
        "add_member",
        "owner",
        "post",
        "/api/v1/workspaces/{ws}/members",
        lambda w: {
            "data": {"username": w.users["outsider"].username, "role": "viewer"},
            "content_type": "application/json",
        },
    ),
    (
        "update_member",
        "owner",
        "patch",
        "/api/v1/workspaces/{ws}/members/{viewer}",
        lambda w: {"data": {"role": "editor"}, "content_type": "application/json"},
    ),
    ("remove_member", "owner", "delete", "/api/v1/workspaces/{ws}/members/{viewer}", lambda w: {}),
    ("list_tokens", "owner", "get", "/api/v1/workspaces/{ws}/tokens", lambda w: {}),
    (
        "create_token",
        "owner",
        "post",
        "/api/v1/workspaces/{ws}/tokens",
        lambda w: {"data": {"name": "ci", "role": "viewer"}, "content_type": "application/json"},
    ),
    (
        "revoke_token",
        "owner",
        "delete",
        "/api/v1/workspaces/{ws}/tokens/{viewer_token}",
        lambda w: {},
    ),
]


def fill(world: World, template: str) -> str:
    return template.format(
        ws=world.workspace.pk,
        viewer=world.users["viewer"].username,
        viewer_token=world.token_rows["viewer_token"].pk,
    )


@pytest.mark.parametrize("persona", list(ROLES))
@pytest.mark.parametrize(
    ("name", "need", "method", "path", "kwargs"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_workspace_endpoint_permissions(world, persona, name, need, method, path, kwargs):
    response = world.call(persona, method, fill(world, path), **kwargs(world))
    expected = expected_status(persona, need)
    if expected == "ok":
        assert 200 <= response.status_code < 300, response.content
    else:
        assert response.status_code == int(expected), response.content


@pytest.mark.parametrize("persona", list(ROLES))
def test_list_workspaces_shows_only_the_callers(world, persona):
    response = world.call(persona, "get", "/api/v1/workspaces")
    if persona in ("anonymous", "revoked_token"):
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {w["id"] for w in response.json()}
    if ROLES[persona] is None:
        assert world.workspace.pk not in ids
    else:
        assert ids == {world.workspace.pk} or persona in ("owner", "editor", "viewer")
        assert world.workspace.pk in ids
        mine = next(w for w in response.json() if w["id"] == world.workspace.pk)
        assert mine["role"] == ROLES[persona]
