"""Export jobs through the API: permissions, the job lifecycle, the download's guarantees."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from apps.archmodel import load_model
from apps.exports import services
from apps.exports.models import ExportJob
from exporters import export_bundle
from tests.apps.workspaces.personas import ROLES, SHOP_YAML, World, expected_status

pytestmark = pytest.mark.django_db

JSON = "application/json"


def request_export(world: World, persona: str = "editor", target: str = "all", capture=None):  # type: ignore[no-untyped-def]
    return world.call(
        persona,
        "post",
        f"/api/v1/models/{world.arch.pk}/exports",
        data={"target": target},
        content_type=JSON,
    )


@pytest.mark.parametrize("persona", list(ROLES))
def test_requesting_an_export_needs_the_editor_role(
    world: World, persona: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = request_export(world, persona)
    expected = expected_status(persona, "editor")
    assert response.status_code == (202 if expected == "ok" else int(expected)), response.content


def test_an_export_job_runs_to_a_downloadable_bundle_identical_to_the_cli(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = request_export(world, target="compose")
    assert response.status_code == 202
    job = response.json()
    assert (
        job["state"] == "queued"
        and job["revision"] == world.arch.revision
        and job["target"] == "compose"
    )

    detail = world.call("viewer", "get", f"/api/v1/exports/{job['id']}").json()
    assert detail["state"] == "succeeded" and detail["progress"] == 100
    assert detail["download_url"] == f"/api/v1/exports/{job['id']}/download"
    assert detail["log"][0]["message"].startswith("attempt 1")

    download = world.call("viewer", "get", detail["download_url"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert download["X-Content-SHA256"] == hashlib.sha256(body).hexdigest() == detail["sha256"]
    assert (
        f'filename="{world.arch.name}-compose-r{world.arch.revision}.zip"'
        in download["Content-Disposition"]
    )
    assert body == export_bundle(load_model(SHOP_YAML), target="compose").to_zip()
    assert "shop-compose/compose.yaml" in zipfile.ZipFile(io.BytesIO(body)).namelist()

    listed = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/exports").json()
    assert [j["id"] for j in listed] == [job["id"]]


def test_outsiders_cannot_see_or_download_a_job(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world).json()["id"]
    for path in (
        f"/api/v1/exports/{job_id}",
        f"/api/v1/exports/{job_id}/download",
        f"/api/v1/models/{world.arch.pk}/exports",
    ):
        assert world.call("outsider", "get", path).status_code == 404
        assert world.call("anonymous", "get", path).status_code == 401
    unknown = world.call("outsider", "get", f"/api/v1/exports/{job_id + 1000}")
    theirs = world.call("outsider", "get", f"/api/v1/exports/{job_id}")
    assert theirs.status_code == unknown.status_code == 404 and theirs.content == unknown.content


def test_an_unknown_target_is_rejected(world: World) -> None:
    assert request_export(world, target="helm").status_code == 422
    assert ExportJob.objects.count() == 0


def test_a_queued_job_cannot_be_downloaded(world: World) -> None:
    job_id = request_export(world).json()["id"]  # on_commit not run: stays queued
    response = world.call("editor", "get", f"/api/v1/exports/{job_id}/download")
    assert response.status_code == 409 and response.json()["state"] == "queued"


def test_a_tampered_bundle_is_never_served(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world).json()["id"]
    job = ExportJob.objects.get(pk=job_id)
    with open(job.bundle.path, "ab") as fh:
        fh.write(b"garbage")
    assert world.call("editor", "get", f"/api/v1/exports/{job_id}/download").status_code == 409


def test_a_succeeded_job_is_not_rebuilt(world: World, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world).json()["id"]
    before = ExportJob.objects.get(pk=job_id)
    assert services.export_job_run(job_id=job_id) == "done already"
    after = ExportJob.objects.get(pk=job_id)
    assert (after.attempts, after.finished, after.bundle.name) == (
        1,
        before.finished,
        before.bundle.name,
    )


def test_the_job_exports_the_revision_it_was_requested_at(world: World) -> None:
    job_id = request_export(world).json()["id"]
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 7}}]
    assert (
        world.call(
            "editor", "post", f"/api/v1/models/{world.arch.pk}/ops", data=ops, content_type=JSON
        ).status_code
        == 200
    )
    services.export_job_run(job_id=job_id)
    job = ExportJob.objects.get(pk=job_id)
    with open(job.bundle.path, "rb") as fh:
        body = fh.read()
    assert body == export_bundle(load_model(SHOP_YAML), target="all").to_zip()


def test_an_unsafe_model_fails_the_job_with_the_problems(
    world: World, django_capture_on_commit_callbacks
) -> None:
    # The demo's browse-catalog journey follows that route by its path: rename both.
    bad = SHOP_YAML.replace(b"{path: /api/catalog,", b'{path: "/api/catalog;evil",').replace(
        b"route: /api/catalog\n", b'route: "/api/catalog;evil"\n'
    )
    assert bad != SHOP_YAML
    assert (
        world.call(
            "editor",
            "put",
            f"/api/v1/models/{world.arch.pk}/document?base_revision={world.arch.revision}",
            data=bad,
            content_type="application/yaml",
        ).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world).json()["id"]
    detail = world.call("editor", "get", f"/api/v1/exports/{job_id}").json()
    assert detail["state"] == "failed" and "/routes/0/path" in detail["error"]


def test_progress_is_broadcast_to_the_model_group(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    # the in-memory layer keeps the test self-contained (the Redis layer is covered elsewhere)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"model-{world.arch.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_export(world).json()["id"]

    async def drain() -> list[dict]:
        out = []
        while True:
            try:
                out.append(await asyncio.wait_for(layer.receive(channel), 1))
            except TimeoutError:
                return out

    everything = async_to_sync(drain)()
    events = [e for e in everything if e["type"] == "export.progress"]
    assert events and all(e["job"] == job_id for e in events)
    # The same moments in the one job contract (additive: export.progress stays as it was).
    contract = [e["job"] for e in everything if e["type"] == "job.progress"]
    assert len(contract) == len(events)
    assert contract[-1] == {
        "kind": "export",
        "id": str(job_id),
        "state": "succeeded",
        "percent": 100,
        "detail": None,
        "url": f"/api/v1/exports/{job_id}",
        "result_url": f"/api/v1/exports/{job_id}/download",
    }
    assert events[0]["state"] == "running"
    assert events[-1] | {"message": ""} == {
        "type": "export.progress",
        "job": job_id,
        "state": "succeeded",
        "progress": 100,
        "message": "",
    }
