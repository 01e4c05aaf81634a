"""The permission matrix of the model endpoints: every persona against every operation."""

from __future__ import annotations

import pytest

from tests.apps.workspaces.personas import ROLES, SHOP_YAML, World, expected_status

pytestmark = pytest.mark.django_db

JSON = "application/json"
OPS = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]

# (name, minimum role, method, path template, kwargs)
ENDPOINTS = [
    ("list_models", "viewer", "get", "/api/v1/workspaces/{ws}/models", {}),
    (
        "create_model",
        "editor",
        "post",
        "/api/v1/workspaces/{ws}/models",
        {"data": {"name": "blank"}, "content_type": JSON},
    ),
    ("get_model", "viewer", "get", "/api/v1/models/{m}", {}),
    ("delete_model", "owner", "delete", "/api/v1/models/{m}", {}),
    (
        "import_model",
        "editor",
        "put",
        "/api/v1/models/{m}/document?base_revision=1",
        {
            "data": SHOP_YAML.replace(b"title: Online shop", b"title: Shop"),
            "content_type": "application/yaml",
        },
    ),
    ("export_model", "viewer", "get", "/api/v1/models/{m}/export?format=json", {}),
    ("apply_ops", "editor", "post", "/api/v1/models/{m}/ops", {"data": OPS, "content_type": JSON}),
    ("list_revisions", "viewer", "get", "/api/v1/models/{m}/revisions", {}),
    ("get_revision", "viewer", "get", "/api/v1/models/{m}/revisions/1", {}),
    ("diff_revisions", "viewer", "get", "/api/v1/models/{m}/diff?from=1&to=1", {}),
    ("revert_model", "editor", "post", "/api/v1/models/{m}/revisions/1/revert", {}),
]


def fill(world: World, template: str) -> str:
    return template.format(ws=world.workspace.pk, m=world.arch.pk)


@pytest.mark.parametrize("persona", list(ROLES))
@pytest.mark.parametrize(
    ("name", "need", "method", "path", "kwargs"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_model_endpoint_permissions(world, persona, name, need, method, path, kwargs):
    response = world.call(persona, method, fill(world, path), **kwargs)
    expected = expected_status(persona, need)
    if expected == "ok":
        assert 200 <= response.status_code < 300, response.content
    else:
        assert response.status_code == int(expected), response.content
        world.arch.refresh_from_db()
        assert world.arch.revision == 1  # a refused request changes nothing


def test_an_unknown_model_is_404_for_everyone(world):
    assert world.call("owner", "get", "/api/v1/models/999999").status_code == 404


def test_the_model_schema_is_public(client):
    response = client.get("/api/v1/schema/model.json")
    assert response.status_code == 200
    assert "services" in response.json()["properties"]
