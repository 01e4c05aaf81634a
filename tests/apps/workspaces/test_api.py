"""Workspaces, members and tokens through the API: the behaviour behind the permissions."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from apps.workspaces.models import ApiToken, Membership

pytestmark = pytest.mark.django_db


def test_creating_a_workspace_makes_the_creator_its_owner(make_user, login_client):
    ada = make_user(username="ada")
    response = login_client(ada).post(
        "/api/v1/workspaces", {"name": "Platform team"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "platform-team" and body["role"] == "owner"
    assert Membership.objects.get(workspace_id=body["id"], user=ada).role == "owner"


def test_tokens_cannot_create_workspaces(world):
    response = world.call(
        "editor_token",
        "post",
        "/api/v1/workspaces",
        data={"name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_token_is_shown_once_and_stored_hashed(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/tokens"
    created = world.call(
        "owner", "post", url, data={"name": "ci", "role": "editor"}, content_type="application/json"
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("wbt_")
    row = ApiToken.objects.get(pk=created.json()["id"])
    secret = raw.split("_", 2)[2]
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.secret_hash and raw not in str(row.__dict__)
    listed = world.call("owner", "get", url).json()
    assert all("token" not in t for t in listed)
    assert raw not in str(listed)
    # The token works for what its role allows.
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_client.get(f"/api/v1/models/{world.arch.pk}").status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used is not None


def test_a_revoked_token_is_refused(world):
    url = f"/api/v1/models/{world.arch.pk}"
    assert world.call("editor_token", "get", url).status_code == 200
    token = world.token_rows["editor_token"]
    revoke = world.call(
        "owner", "delete", f"/api/v1/workspaces/{world.workspace.pk}/tokens/{token.pk}"
    )
    assert revoke.status_code == 204
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['editor_token']}").get(url).status_code
        == 401
    )


@pytest.mark.parametrize(
    "header",
    ["Bearer wbt_nope_nope", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer wbt_"],
)
def test_malformed_or_unknown_tokens_are_401(world, header):
    response = Client(HTTP_AUTHORIZATION=header).get(f"/api/v1/models/{world.arch.pk}")
    assert response.status_code == 401


def test_a_token_with_a_wrong_secret_is_401(world):
    raw = world.tokens["editor_token"]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw[:-2]}xx").get(
        f"/api/v1/models/{world.arch.pk}"
    )
    assert response.status_code == 401


def test_a_bad_token_is_not_rescued_by_a_session(world):
    client = world.client("owner")
    response = client.get(f"/api/v1/models/{world.arch.pk}", HTTP_AUTHORIZATION="Bearer wbt_x_y")
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token_but_bearer_writes_do_not(world):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # signed out: the login page sets the csrftoken cookie
    client.force_login(world.users["owner"])
    url = f"/api/v1/workspaces/{world.workspace.pk}/tokens"
    refused = client.post(url, {"name": "ci"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.get(url).status_code == 200  # safe methods need no CSRF token
    csrf = client.cookies["csrftoken"].value
    ok = client.post(url, {"name": "ci"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.status_code == 201
    bearer = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {world.tokens['editor_token']}"
    )
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 4}}]
    assert (
        bearer.post(
            f"/api/v1/models/{world.arch.pk}/ops", ops, content_type="application/json"
        ).status_code
        == 200
    )


def test_the_last_owner_can_be_neither_demoted_nor_removed(world):
    owner = world.users["owner"].username
    base = f"/api/v1/workspaces/{world.workspace.pk}/members/{owner}"
    demote = world.call(
        "owner", "patch", base, data={"role": "editor"}, content_type="application/json"
    )
    assert demote.status_code == 409
    assert "last owner" in demote.json()["detail"]
    assert world.call("owner", "delete", base).status_code == 409
    assert Membership.objects.get(workspace=world.workspace, user__username=owner).role == "owner"


def test_with_a_second_owner_the_first_may_step_down(world):
    ws = world.workspace.pk
    editor = world.users["editor"].username
    promote = world.call(
        "owner",
        "patch",
        f"/api/v1/workspaces/{ws}/members/{editor}",
        data={"role": "owner"},
        content_type="application/json",
    )
    assert promote.status_code == 200
    owner = world.users["owner"].username
    assert (
        world.call("owner", "delete", f"/api/v1/workspaces/{ws}/members/{owner}").status_code == 204
    )


def test_adding_an_unknown_user_or_a_member_twice_is_refused(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/members"
    unknown = world.call(
        "owner",
        "post",
        url,
        data={"username": "ghost", "role": "viewer"},
        content_type="application/json",
    )
    assert unknown.status_code == 404 and "ghost" in unknown.json()["detail"]
    twice = world.call(
        "owner",
        "post",
        url,
        data={"username": world.users["viewer"].username, "role": "editor"},
        content_type="application/json",
    )
    assert twice.status_code == 409


def test_tokens_cannot_have_the_owner_role(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/tokens"
    response = world.call(
        "owner", "post", url, data={"name": "x", "role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_deleting_a_workspace_deletes_its_models(world):
    assert (
        world.call("owner", "delete", f"/api/v1/workspaces/{world.workspace.pk}").status_code == 204
    )
    assert world.call("owner", "get", f"/api/v1/models/{world.arch.pk}").status_code == 404
