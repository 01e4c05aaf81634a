"""Workspace pages and the editor shell, by persona."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.architectures.models import Architecture
from apps.workspaces.models import ApiToken, Membership
from tests.support import DEMO_COPY

pytestmark = pytest.mark.django_db


def test_a_newcomer_sees_what_to_do_first(user_client) -> None:
    page = user_client.get("/").content.decode()
    assert "Create a workspace" in page
    assert "Create or import a model" in page


def test_creating_a_workspace_makes_me_its_owner(user_client, user) -> None:
    response = user_client.post("/", {"name": "Payments team"})
    membership = Membership.objects.get(user=user)
    assert response.status_code == 302
    assert response.url == f"/workspaces/{membership.workspace_id}/"
    assert membership.role == "owner"


def test_signed_out_visitors_are_sent_to_sign_in(client, world) -> None:
    response = client.get(f"/models/{world.arch.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.mark.parametrize("path", ["/workspaces/{ws}/", "/models/{model}/"])
def test_an_outsider_gets_404_not_a_hint_that_it_exists(world, path) -> None:
    url = path.format(ws=world.workspace.pk, model=world.arch.pk)
    assert world.call("outsider", "get", url).status_code == 404


def test_the_editor_tells_the_page_the_role_and_the_spec(world) -> None:
    page = world.call("viewer", "get", f"/models/{world.arch.pk}/").content.decode()
    start = page.index('id="editor-config"')
    raw = page[page.index(">", start) + 1 : page.index("</script>", start)]
    config = json.loads(raw)
    assert config["canEdit"] is False
    assert config["role"] == "viewer"
    assert {"service", "api", "call", "route", "suppression"} <= set(config["spec"]["kinds"])
    # nested elements are edited on their own, not as fields of the service
    names = [f["name"] for f in config["spec"]["kinds"]["service"]["fields"]]
    assert "calls" not in names and "replicas" in names
    assert 'id="ed-yaml-apply"' not in page


def test_an_editor_gets_the_apply_button(world) -> None:
    page = world.call("editor", "get", f"/models/{world.arch.pk}/").content.decode()
    assert 'id="ed-yaml-apply"' in page


def test_a_viewer_cannot_create_a_model(world) -> None:
    url = f"/workspaces/{world.workspace.pk}/models/"
    assert world.call("viewer", "post", url, data={"name": "x"}).status_code == 403


def test_an_editor_creates_an_empty_model_and_lands_in_the_editor(world) -> None:
    url = f"/workspaces/{world.workspace.pk}/models/"
    response = world.call("editor", "post", url, data={"name": "billing", "title": "Billing"})
    arch = Architecture.objects.get(workspace=world.workspace, name="billing")
    assert response.status_code == 302 and response.url == f"/models/{arch.pk}/"
    assert arch.title == "Billing"


def test_importing_an_invalid_file_lists_its_errors_with_lines(world) -> None:
    bad = SimpleUploadedFile("bad.yaml", b"apiVersion: workbench/v1\nname: Bad Name\n")
    response = world.call(
        "editor", "post", f"/workspaces/{world.workspace.pk}/models/", data={"file": bad}
    )
    assert response.status_code == 422
    assert "line 2" in response.content.decode()


def test_importing_a_file_takes_its_name(world) -> None:
    source = DEMO_COPY.read_bytes().replace(b"name: shop", b"name: shop-copy", 1)
    upload = SimpleUploadedFile("shop.yaml", source)
    world.call("owner", "post", f"/workspaces/{world.workspace.pk}/models/", data={"file": upload})
    assert Architecture.objects.filter(workspace=world.workspace, name="shop-copy").exists()


def test_a_new_token_is_shown_once(world) -> None:
    url = f"/workspaces/{world.workspace.pk}/tokens/"
    response = world.call("owner", "post", url, data={"name": "ci", "role": "viewer"})
    page = response.content.decode()
    assert "shown this once" in page
    token = ApiToken.objects.get(workspace=world.workspace, name="ci")
    assert f"wbt_{token.prefix}_" in page
    again = world.call("owner", "get", f"/workspaces/{world.workspace.pk}/").content.decode()
    assert f"wbt_{token.prefix}_" not in again


def test_only_owners_manage_tokens_and_members(world) -> None:
    ws = world.workspace.pk
    assert (
        world.call("editor", "post", f"/workspaces/{ws}/tokens/", data={"name": "x"}).status_code
        == 403
    )
    assert (
        world.call(
            "editor", "post", f"/workspaces/{ws}/members/", data={"username": "x"}
        ).status_code
        == 403
    )
    page = world.call("editor", "get", f"/workspaces/{ws}/").content.decode()
    assert "API tokens" not in page


def test_an_owner_revokes_a_token(world) -> None:
    token = world.token_rows["editor_token"]
    world.call("owner", "post", f"/workspaces/{world.workspace.pk}/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_owner_adds_changes_and_removes_a_member(world, make_user) -> None:
    newcomer = make_user(username="grace")
    ws = world.workspace.pk
    world.call(
        "owner", "post", f"/workspaces/{ws}/members/", data={"username": "grace", "role": "viewer"}
    )
    m = Membership.objects.get(workspace_id=ws, user=newcomer)
    world.call("owner", "post", f"/workspaces/{ws}/members/{m.pk}/", data={"role": "editor"})
    m.refresh_from_db()
    assert m.role == "editor"
    world.call("owner", "post", f"/workspaces/{ws}/members/{m.pk}/", data={"action": "remove"})
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_adding_an_unknown_user_says_so(world) -> None:
    response = world.call(
        "owner",
        "post",
        f"/workspaces/{world.workspace.pk}/members/",
        data={"username": "nobody", "role": "viewer"},
    )
    assert response.status_code == 422
    assert "no user named" in response.content.decode()


def test_the_last_owner_cannot_leave(world) -> None:
    m = Membership.objects.get(workspace=world.workspace, user=world.users["owner"])
    response = world.call(
        "owner",
        "post",
        f"/workspaces/{world.workspace.pk}/members/{m.pk}/",
        data={"action": "remove"},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(pk=m.pk).exists()


def test_an_editor_deletes_a_model_from_the_workspace_page_and_a_viewer_cannot(world) -> None:
    url = f"/models/{world.arch.pk}/delete/"
    page = world.call("editor", "get", f"/workspaces/{world.workspace.pk}/").content.decode()
    assert f'action="{url}"' in page
    assert world.call("viewer", "post", url).status_code == 403
    response = world.call("editor", "post", url)
    assert response.status_code == 302 and response.url == f"/workspaces/{world.workspace.pk}/"
    assert not Architecture.objects.filter(pk=world.arch.pk).exists()


def test_an_owner_renames_and_deletes_a_workspace_and_an_editor_cannot(world) -> None:
    base = f"/workspaces/{world.workspace.pk}"
    assert world.call("editor", "post", f"{base}/rename/", data={"name": "X"}).status_code == 403
    assert (
        world.call("owner", "post", f"{base}/rename/", data={"name": "Payments"}).status_code == 302
    )
    world.workspace.refresh_from_db()
    assert world.workspace.name == "Payments"
    # Deleting asks for the name, and takes the models with it.
    world.call("owner", "post", f"{base}/delete/", data={"confirm": "nope"})
    world.workspace.refresh_from_db()
    response = world.call("owner", "post", f"{base}/delete/", data={"confirm": "Payments"})
    assert response.status_code == 302 and response.url == "/"
    assert not Architecture.objects.filter(pk=world.arch.pk).exists()
