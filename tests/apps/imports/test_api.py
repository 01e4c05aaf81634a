"""The import and drift API: no storage on import, preview → apply with optimistic
concurrency, permissions (editor for preview/apply, viewer for drift) and bad input as 4xx."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.architectures.models import Architecture

from .helpers import FIXTURES

pytestmark = pytest.mark.django_db

VOTING = (FIXTURES / "compose" / "voting-app.yml").read_bytes()


def upload(content: bytes = VOTING, name: str = "compose.yaml") -> dict:
    return {"files": [SimpleUploadedFile(name, content, content_type="application/yaml")]}


def test_import_returns_document_yaml_and_report_and_stores_nothing(world):
    before = Architecture.objects.count()
    res = world.call("editor", "post", "/api/v1/import?from=compose", data=upload())
    assert res.status_code == 200, res.content
    body = res.json()
    assert {s["id"] for s in body["document"]["services"]} == {"vote", "result", "worker", "seed"}
    assert body["yaml"].startswith("apiVersion: workbench/v1")
    assert body["report"]["counts"]["inferred"] > 0
    assert Architecture.objects.count() == before


def test_import_of_unreadable_input_is_422_with_file_and_line(world):
    res = world.call(
        "editor",
        "post",
        "/api/v1/import?from=compose",
        data=upload(b"services:\n  a: [\n", "bad.yaml"),
    )
    assert res.status_code == 422
    error = res.json()["errors"][0]
    assert error["file"] == "bad.yaml" and error["line"]


def test_import_with_unknown_kind_is_400_and_too_big_is_413(world, settings):
    assert world.call("editor", "post", "/api/v1/import?from=x", data=upload()).status_code == 400
    settings.WORKBENCH_MAX_MODEL_BYTES = 100
    assert (
        world.call("editor", "post", "/api/v1/import?from=compose", data=upload()).status_code
        == 413
    )


def test_preview_then_apply_stores_the_merged_model(world):
    arch = world.arch
    path = f"/api/v1/models/{arch.pk}/import-preview?from=compose"
    res = world.call("editor", "post", path, data=upload())
    assert res.status_code == 200, res.content
    preview = res.json()
    assert preview["base_revision"] == arch.revision
    assert preview["diff"]["counts"]["removed"] == 0
    assert preview["diff"]["counts"]["added"] > 0
    arch.refresh_from_db()
    assert "vote" not in {s["id"] for s in arch.document["services"]}  # nothing stored yet
    apply = world.call(
        "editor",
        "post",
        f"/api/v1/models/{arch.pk}/import-apply",
        data=json.dumps(
            {"document": preview["document"], "base_revision": preview["base_revision"]}
        ),
        content_type="application/json",
    )
    assert apply.status_code == 200, apply.content
    arch.refresh_from_db()
    assert "vote" in {s["id"] for s in arch.document["services"]}
    stale = world.call(
        "editor",
        "post",
        f"/api/v1/models/{arch.pk}/import-apply",
        data=json.dumps(
            {"document": preview["document"], "base_revision": preview["base_revision"]}
        ),
        content_type="application/json",
    )
    assert stale.status_code == 409


@pytest.mark.parametrize("persona,status", [("viewer", 403), ("outsider", 404), ("anonymous", 401)])
def test_preview_needs_the_editor_role(world, persona, status):
    res = world.call(
        persona,
        "post",
        f"/api/v1/models/{world.arch.pk}/import-preview?from=compose",
        data=upload(),
    )
    assert res.status_code == status


def test_drift_against_a_stored_model_for_a_viewer(world):
    res = world.call("viewer", "post", f"/api/v1/models/{world.arch.pk}/drift", data=upload())
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["drift"] is True
    kinds = {i["kind"] for i in body["items"]}
    assert {"not-deployed", "not-modelled"} <= kinds


def test_drift_of_uploaded_model_and_files(world, tmp_path):
    imported = world.call("editor", "post", "/api/v1/import?from=compose", data=upload()).json()
    res = world.call(
        "editor",
        "post",
        "/api/v1/drift",
        data={
            "model": SimpleUploadedFile("model.yaml", imported["yaml"].encode()),
            "files": [SimpleUploadedFile("compose.yaml", VOTING)],
        },
    )
    assert res.status_code == 200, res.content
    assert res.json() == {**res.json(), "drift": False, "count": 0}


def test_import_page_previews_and_accepts(world):
    client = world.client("editor")
    page = client.get("/imports/")
    assert page.status_code == 200
    res = client.post(
        "/imports/",
        {
            "kind": "compose",
            "model": str(world.arch.pk),
            "files": SimpleUploadedFile("c.yaml", VOTING),
        },
    )
    assert res.status_code == 200 and b"Accept and save" in res.content
    ctx = res.context
    done = client.post(
        "/imports/apply/",
        {
            "model": world.arch.pk,
            "base_revision": ctx["preview"]["base_revision"],
            "document": ctx["document_json"],
        },
    )
    assert done.status_code == 302
    world.arch.refresh_from_db()
    assert "worker" in {s["id"] for s in world.arch.document["services"]}


def test_drift_page_renders_items(world):
    res = world.client("viewer").post(
        "/imports/drift/",
        {"model": str(world.arch.pk), "files": SimpleUploadedFile("c.yaml", VOTING)},
    )
    assert res.status_code == 200 and b"drift item" in res.content


def test_importing_into_a_new_model_ends_in_a_created_model(world):
    client = world.client("editor")
    res = client.post(
        "/imports/", {"kind": "compose", "files": SimpleUploadedFile("c.yaml", VOTING)}
    )
    assert res.status_code == 200 and b"Create the model" in res.content
    assert world.workspace in res.context["workspaces"]
    done = client.post(
        "/imports/create/",
        {"workspace": world.workspace.pk, "document": res.context["document_json"]},
    )
    assert done.status_code == 302 and "/models/" in done["Location"]
    created = Architecture.objects.get(pk=int(done["Location"].rstrip("/").split("/")[-1]))
    assert created.workspace == world.workspace
    assert "worker" in {s["id"] for s in created.document["services"]}


def test_a_viewer_cannot_create_a_model_from_an_import(world):
    client = world.client("viewer")
    res = client.post(
        "/imports/", {"kind": "compose", "files": SimpleUploadedFile("c.yaml", VOTING)}
    )
    assert world.workspace not in res.context["workspaces"]
    refused = client.post(
        "/imports/create/",
        {"workspace": world.workspace.pk, "document": res.context["document_json"]},
        follow=True,
    )
    assert b"this needs editor" in refused.content
