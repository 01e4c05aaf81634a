"""The one HTTP edge: NUL refused at its field, unusable bodies are 400/422 (never 500), the
queue or cache being down is a 503 with no job left behind, and one error shape throughout."""

from __future__ import annotations

import json

import pytest
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.architectures.models import Revision
from tests.apps.workspaces.personas import World

pytestmark = pytest.mark.django_db

JSON = "application/json"
NUL = "\x00"


def assert_nul_refused(response, pointer: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and "NUL" in body["detail"]
    assert [e["pointer"] for e in body["errors"]] == [pointer]


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("/api/v1/workspaces", {"name": f"Team{NUL}"}, "/name"),
        ("/api/v1/workspaces/{ws}/tokens", {"name": f"ci{NUL}", "role": "viewer"}, "/name"),
        (
            "/api/v1/workspaces/{ws}/members",
            {"username": f"ada{NUL}", "role": "viewer"},
            "/username",
        ),
    ],
)
def test_nul_in_a_name_is_a_422_pointing_at_the_field(
    world: World, path: str, body: dict, pointer: str
) -> None:
    url = path.format(ws=world.workspace.pk)
    response = world.call("owner", "post", url, data=json.dumps(body), content_type=JSON)
    assert_nul_refused(response, pointer)


def test_nul_in_a_model_title_yaml_or_op_value_is_a_422_at_its_field(world: World) -> None:
    created = world.call(
        "owner",
        "post",
        f"/api/v1/workspaces/{world.workspace.pk}/models",
        data=json.dumps(
            {"document": {"apiVersion": "workbench/v1", "name": "x", "title": f"T{NUL}"}}
        ),
        content_type=JSON,
    )
    assert_nul_refused(created, "/document/title")

    yaml_body = b'apiVersion: workbench/v1\nname: shop\ntitle: "Shop\\0"\n'
    put = world.call(
        "editor",
        "put",
        f"/api/v1/models/{world.arch.pk}/document?base_revision={world.arch.revision}",
        data=yaml_body,
        content_type="application/yaml",
    )
    assert put.status_code == 422 and put.json()["errors"][0]["pointer"] == "/title"

    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"title": f"O{NUL}"}}]
    response = world.call(
        "editor", "post", f"/api/v1/models/{world.arch.pk}/ops", data=ops, content_type=JSON
    )
    assert_nul_refused(response, "/0/set/title")
    assert Revision.objects.filter(architecture=world.arch).count() == 1


@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("/api/v1/rules/a%00b", "/path"),
        ("/api/v1/models/{id}/findings?format=json%00", "/query/format"),
        ("/workspaces/%00/", "/path"),
    ],
)
def test_nul_in_a_url_is_a_422(world: World, url: str, pointer: str) -> None:
    response = world.call("viewer", "get", url.format(id=world.arch.pk))
    assert_nul_refused(response, pointer)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"document": [], "base_revision": 1}',
        b'{"document": {}}',
        b'{"document": {}, "base_revision": "x"}',
        b"\xff\xfe",
        b"[" * 5000,
    ],
)
def test_import_apply_answers_any_unusable_body_with_400_or_422(world: World, body: bytes) -> None:
    response = world.call(
        "editor",
        "post",
        f"/api/v1/models/{world.arch.pk}/import-apply",
        data=body,
        content_type=JSON,
    )
    assert response.status_code in (400, 422), response.content
    assert isinstance(response.json()["detail"], str)


def test_import_apply_of_a_non_json_body_is_415(world: World) -> None:
    response = world.call(
        "editor",
        "post",
        f"/api/v1/models/{world.arch.pk}/import-apply",
        data=b"a: 1",
        content_type="application/yaml",
    )
    assert response.status_code == 415


@pytest.mark.parametrize("persona", ["owner", "editor_token"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/models/{id}/import-apply"),
        ("post", "/api/v1/models/{id}/drift"),
        ("post", "/api/v1/drift"),
        ("post", "/api/v1/models/{id}/ops"),
        ("post", "/api/v1/validate"),
        ("post", "/api/v1/workspaces"),
        ("put", "/api/v1/models/{id}/document?base_revision=1"),
    ],
)
def test_multipart_without_a_boundary_is_a_400(
    world: World, persona: str, method: str, path: str
) -> None:
    response = world.call(
        persona,
        method,
        path.format(id=world.arch.pk),
        data=b"--x\r\n",
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 415), response.content
    assert isinstance(response.json()["detail"], str)


def test_an_op_that_changes_nothing_writes_no_revision(world: World) -> None:
    url = f"/api/v1/models/{world.arch.pk}/ops"
    op = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 4}}]
    first = world.call("editor", "post", url, data=op, content_type=JSON).json()
    again = world.call("editor", "post", url, data=op, content_type=JSON)
    assert again.status_code == 200
    body = again.json()
    assert first["changed"] is True and body["changed"] is False
    assert body["revision"]["number"] == first["revision"]["number"]
    assert Revision.objects.filter(architecture=world.arch).count() == 2


def test_the_queue_down_is_503_for_validate_and_diagrams(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.diagrams import services as diagram_services
    from apps.rules import ratelimit

    def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(ratelimit, "check_rate", down)
    response = world.call(
        "editor_token",
        "post",
        "/api/v1/validate",
        data=b"apiVersion: workbench/v1\nname: a\n",
        content_type="application/yaml",
    )
    assert response.status_code == 503
    assert response.json() == {"detail": "the job queue is unavailable, try again"}
    assert response["Retry-After"]

    monkeypatch.setattr(diagram_services, "diagram_get", down)
    response = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/diagrams/context.svg")
    assert response.status_code == 503 and "unavailable" in response.json()["detail"]

    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111")

    monkeypatch.setattr(diagram_services, "diagram_get", broker_down)
    response = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/diagrams/context.svg")
    assert response.status_code == 503


def test_every_error_has_a_string_detail(world: World) -> None:
    cases = [
        world.call("anonymous", "get", "/api/v1/workspaces"),
        world.call("outsider", "get", f"/api/v1/models/{world.arch.pk}"),
        world.call("viewer", "delete", f"/api/v1/models/{world.arch.pk}"),
        world.call("owner", "post", "/api/v1/workspaces", data="{}", content_type=JSON),
        world.call("owner", "post", "/api/v1/workspaces", data="{", content_type=JSON),
    ]
    assert [r.status_code for r in cases] == [401, 404, 403, 422, 400]
    for response in cases:
        assert isinstance(response.json()["detail"], str), response.content


def test_an_unmatched_api_url_is_a_json_404_and_a_page_url_the_workbench_page(
    world: World,
) -> None:
    api = world.call("editor_token", "post", "/api/v1/models/0/revisions/null%2Cnull/revert")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    page = world.call("viewer", "get", "/no/such/page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
