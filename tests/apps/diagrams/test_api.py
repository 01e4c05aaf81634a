"""The diagrams API: status codes, content types, cache, jobs for large models, permissions."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.archmodel import dump_yaml
from apps.diagrams.render import svg_is_safe
from tests.apps.workspaces.personas import ROLES, SHOP_YAML, World, expected_status

from .support import HOSTILE_YAML, generated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def url(world: World, view: str = "dependencies", fmt: str = "svg", query: str = "") -> str:
    return f"/api/v1/models/{world.arch.pk}/diagrams/{view}.{fmt}" + (f"?{query}" if query else "")


@pytest.mark.parametrize("persona", list(ROLES))
def test_only_members_see_a_stored_models_diagram(world: World, persona: str):
    res = world.call(persona, "get", url(world))
    expected = expected_status(persona, "viewer")
    assert str(res.status_code) == ("200" if expected == "ok" else expected)


@pytest.mark.parametrize(
    "fmt,content_type,magic",
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
        ("dot", "text/vnd.graphviz; charset=utf-8", b"digraph"),
    ],
)
def test_each_format_has_its_content_type(world: World, fmt, content_type, magic):
    res = world.call("viewer", "get", url(world, "events", fmt))
    assert res.status_code == 200
    assert res["Content-Type"] == content_type
    assert res.content.startswith(magic)


def test_svg_is_served_with_a_script_free_policy(world: World):
    res = world.call("viewer", "get", url(world))
    assert "default-src 'none'" in res["Content-Security-Policy"]
    assert svg_is_safe(res.content) and b'data-id="orders"' in res.content


def test_an_unchanged_revision_is_served_from_the_cache(world: World):
    first = world.call("viewer", "get", url(world, "data"))
    second = world.call("viewer", "get", url(world, "data"))
    assert first["X-Workbench-Cache"] == "miss" and second["X-Workbench-Cache"] == "hit"
    assert first.content == second.content
    other_filter = world.call("viewer", "get", url(world, "data", query="domain=ordering"))
    assert other_filter["X-Workbench-Cache"] == "miss"


def test_a_new_revision_is_drawn_again(world: World):
    world.call("viewer", "get", url(world))
    world.arch.content_hash = "0" * 64  # what a save does: a new content hash
    world.arch.save(update_fields=["content_hash"])
    assert world.call("viewer", "get", url(world))["X-Workbench-Cache"] == "miss"


def test_filters_are_applied_and_bad_ones_are_422(world: World):
    res = world.call("viewer", "get", url(world, query="focus=payments&hops=1"))
    assert res.status_code == 200 and b'data-id="shipping"' not in res.content
    assert b'data-id="payments"' in res.content
    for query in ("domain=nope", "team=nope", "focus=nope", "focus=orders&hops=50"):
        bad = world.call("viewer", "get", url(world, query=query))
        assert bad.status_code == 422 and bad.json()["detail"]


def test_unknown_views_and_formats_are_422(world: World):
    assert world.call("viewer", "get", url(world, "nope")).status_code == 422
    assert world.call("viewer", "get", url(world, "events", "gif")).status_code == 422


def test_a_graphviz_timeout_is_a_503_with_a_message(world: World, settings):
    settings.WORKBENCH_DIAGRAM_TIMEOUT = 0.000001
    res = world.call("viewer", "get", url(world))
    assert res.status_code == 503
    assert "longer than" in res.json()["detail"]


def test_a_large_diagram_is_queued_and_polled(
    world: World, settings, django_capture_on_commit_callbacks
):
    settings.WORKBENCH_DIAGRAM_INLINE_MAX_NODES = 3
    with django_capture_on_commit_callbacks(execute=True):
        res = world.call("viewer", "get", url(world, "teams"))
    assert res.status_code == 202
    job = res.json()
    assert res["Location"] == job["url"] and job["state"] in ("queued", "running", "done")
    polled = world.call("viewer", "get", job["url"]).json()
    assert polled["state"] == "done" and polled["progress"] == 1.0
    # The one job contract, shared with export jobs: succeeded, 0..100.
    assert polled["job"] == {
        "kind": "diagram",
        "id": job["id"],
        "state": "succeeded",
        "percent": 100,
        "detail": None,
        "url": job["url"],
        "result_url": polled["result_url"],
    }
    picture = world.call("viewer", "get", polled["result_url"])
    assert picture.status_code == 200 and picture.content.startswith(b"<?xml")
    # Once drawn, the model URL answers from the cache.
    again = world.call("viewer", "get", url(world, "teams"))
    assert again.status_code == 200 and again["X-Workbench-Cache"] == "hit"
    # Outsiders cannot read someone else's job, and learn nothing from the answer: it is the
    # same 404, byte for byte, as for a job id that does not exist.
    unknown = world.call("outsider", "get", "/api/v1/diagrams/jobs/nope")
    for path in (job["url"], polled["result_url"]):
        theirs = world.call("outsider", "get", path)
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.content == unknown.content


def test_an_unknown_job_is_404(world: World):
    assert world.call("viewer", "get", "/api/v1/diagrams/jobs/nope").status_code == 404


def post(
    world: World, view: str, body: bytes, query: str = "format=svg", persona: str = "viewer_token"
):
    return world.call(
        persona,
        "post",
        f"/api/v1/diagrams/{view}?{query}",
        data=body,
        content_type="application/yaml",
    )


def test_posting_a_model_file_draws_it_without_storing_it(world: World):
    res = post(world, "dependencies", SHOP_YAML, "format=png")
    assert res.status_code == 200 and res["Content-Type"] == "image/png"
    assert post(world, "events", SHOP_YAML, "format=svg&team=team-orders").status_code == 200


def test_posting_needs_authentication_and_a_valid_model(world: World):
    assert post(world, "dependencies", SHOP_YAML, persona="anonymous").status_code == 401
    bad = post(world, "dependencies", b"apiVersion: workbench/v1\nname: x\nservices: [{id: A}]\n")
    assert bad.status_code == 422 and bad.json()["errors"]
    assert post(world, "dependencies", b"").status_code == 400
    assert post(world, "nope", SHOP_YAML).status_code == 422


def test_a_posted_hostile_model_gives_a_safe_svg(world: World):
    res = post(world, "dependencies", HOSTILE_YAML.encode())
    assert res.status_code == 200 and svg_is_safe(res.content)
    assert b"<script" not in res.content


def test_a_posted_large_model_is_queued(world: World, settings, django_capture_on_commit_callbacks):
    settings.WORKBENCH_DIAGRAM_INLINE_MAX_NODES = 50
    body = dump_yaml(generated(60)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        res = post(world, "dependencies", body)
    assert res.status_code == 202
    polled = world.call("viewer_token", "get", res.json()["url"]).json()
    assert polled["state"] == "done"
    assert world.call("viewer_token", "get", polled["result_url"]).status_code == 200
    # The job and its picture are the requester's alone: anyone else gets the same 404 as for
    # an unknown job, even someone in the same workspace.
    for persona in ("outsider", "other_workspace_token", "viewer"):
        assert world.call(persona, "get", res.json()["url"]).status_code == 404
        assert world.call(persona, "get", polled["result_url"]).status_code == 404
    # Somebody else posting the same file gets a job of their own.
    with django_capture_on_commit_callbacks(execute=True):
        theirs = post(world, "dependencies", body, persona="outsider")
    assert theirs.status_code in (200, 202)
    if theirs.status_code == 202:
        assert theirs.json()["url"] != res.json()["url"]
