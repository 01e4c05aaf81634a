"""Revisions store deltas between snapshots, and every revision reads back exactly."""

from __future__ import annotations

import json

import pytest

from apps.architectures import services
from apps.architectures.fields import canonical_json, content_hash
from apps.architectures.models import Revision
from apps.architectures.selectors import revision_document
from apps.archmodel import model_from_data
from bench.modelgen import generate

pytestmark = pytest.mark.django_db


def _edit(world, i):
    op = {"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 2 + i % 5}}
    if i % 7 == 3:
        op = {"op": "add", "kind": "team", "id": f"team-{i}", "value": {"title": f"Team {i}"}}
    revision, changed = services.architecture_apply_ops(
        architecture_id=world.arch.pk, ops=[op], actor=world.owner
    )
    assert changed
    return revision


def test_an_edit_stores_a_small_delta_and_every_revision_reads_back_exactly(world):
    expected = {1: Revision.objects.get(architecture=world.arch, number=1).document}
    for i in range(1, 120):
        rev = _edit(world, i)
        expected[rev.number] = rev.document
    rows = {r.number: r for r in Revision.objects.filter(architecture=world.arch)}
    snapshots = sorted(n for n, r in rows.items() if r.document is not None)
    assert snapshots == [1, 50, 100]
    for number, document in expected.items():
        assert canonical_json(revision_document(rows[number])) == canonical_json(document)
        assert content_hash(document) == rows[number].content_hash
    # A delta holds only the element the edit touched.
    touched = {
        n: [item for change in rows[n].delta.get("lists", {}).values() for item in change["put"]]
        for n in rows
        if n not in snapshots
    }
    assert all(items in (["orders"], [f"team-{n - 1}"]) for n, items in touched.items())


def test_a_large_change_is_stored_whole(world):
    big = model_from_data({**generate(30), "name": world.arch.name}).document
    rev, changed = services.architecture_import(
        architecture_id=world.arch.pk, source=big, base_revision=1, actor=world.owner
    )
    assert changed and Revision.objects.get(pk=rev.pk).document is not None


def test_revert_diff_and_export_read_delta_revisions(world):
    for i in range(1, 6):
        _edit(world, i)
    old = revision_document(Revision.objects.get(architecture=world.arch, number=3))
    services.architecture_revert(architecture_id=world.arch.pk, to_revision=3, actor=world.owner)
    world.arch.refresh_from_db()
    assert canonical_json(world.arch.document) == canonical_json(old)
    diff = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/diff?from=2&to=4").json()
    assert diff["elements"]["changed"] or diff["elements"]["added"]
    exported = world.call(
        "viewer", "get", f"/api/v1/models/{world.arch.pk}/export?format=json&revision=4"
    )
    assert exported.status_code == 200
    assert json.loads(exported.content) == revision_document(
        Revision.objects.get(architecture=world.arch, number=4)
    )


def test_an_edit_leaves_its_model_built_and_the_one_before_untouched(world):
    import copy

    from apps.architectures.selectors import architecture_model, cached_model

    before = architecture_model(world.arch)  # cached: the next op starts from its document
    snapshot = copy.deepcopy(before.document)
    rev = _edit(world, 1)
    assert before.document == snapshot  # ops copy on write: the cached model is unchanged
    world.arch.refresh_from_db()
    after = cached_model(world.arch.content_hash)
    assert after is not None and after.document == world.arch.document
    assert architecture_model(world.arch) is after
    assert rev.content_hash == world.arch.content_hash
