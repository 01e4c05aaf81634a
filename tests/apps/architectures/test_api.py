"""Stored models through the API: create, import/export, ops, revisions, diff, revert."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from apps.architectures.models import Architecture, Revision
from apps.archmodel.delta import apply_delta
from tests.apps.workspaces.personas import SHOP_YAML

pytestmark = pytest.mark.django_db

JSON = "application/json"
YAML = "application/yaml"


def ops_url(world):
    return f"/api/v1/models/{world.arch.pk}/ops"


def test_an_op_answer_carries_the_document_when_asked_for(world):
    ops = [{"op": "add", "kind": "data", "id": "orders->payments-db", "value": {"access": "read"}}]
    plain = world.call("editor_token", "post", ops_url(world), data=ops, content_type=JSON)
    assert plain.status_code == 200, plain.content
    assert plain.json()["document"] is None  # not asked for: the answer stays small
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 4}}]
    asked = world.call(
        "editor_token", "post", ops_url(world) + "?document=true", data=ops, content_type=JSON
    )
    body = asked.json()
    world.arch.refresh_from_db()
    assert body["revision"]["number"] == 3
    assert body["document"] == world.arch.document  # the document at the revision written
    assert service(body["document"], "orders")["replicas"] == 4
    assert {"store": "payments-db", "access": "read"} in service(body["document"], "orders")["data"]


def test_ops_answer_with_their_delta_when_asked(world):
    """``?delta=true``: the change from the revision before, which replays to the document
    stored; a revision stored whole (every 50th, or a large change) answers with the document."""
    before = world.arch.document
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 4}}]
    body = world.call(
        "editor", "post", ops_url(world) + "?delta=true", data=ops, content_type=JSON
    ).json()
    world.arch.refresh_from_db()
    assert body["base"] == 1 and body["document"] is None
    assert body["delta"] == {
        "keys": list(before),
        "lists": {"services": {"put": {"orders": service(world.arch.document, "orders")}}},
    }
    assert apply_delta(before, body["delta"]) == world.arch.document

    whole = {"op": "update", "kind": "service", "id": "orders", "set": {"description": "x" * 9000}}
    body = world.call(
        "editor", "post", ops_url(world) + "?delta=true", data=[whole], content_type=JSON
    ).json()
    world.arch.refresh_from_db()
    assert body["delta"] is None and body["document"] == world.arch.document


def doc_url(world, base=None):
    suffix = f"?base_revision={base}" if base is not None else ""
    return f"/api/v1/models/{world.arch.pk}/document{suffix}"


def service(document, sid):
    return next(s for s in document["services"] if s["id"] == sid)


def test_create_an_empty_model_by_name(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/models"
    response = world.call(
        "editor", "post", url, data={"name": "billing", "title": "Billing"}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    arch = Architecture.objects.get(pk=response.json()["id"])
    assert arch.document == {"apiVersion": "workbench/v1", "name": "billing", "title": "Billing"}
    rev = arch.revisions.get()
    assert (rev.number, rev.author_label, rev.changes["kind"]) == (
        1,
        world.users["editor"].username,
        "create",
    )


def test_create_from_a_yaml_body_and_from_a_multipart_file(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/models"
    other = SHOP_YAML.replace(b"name: shop", b"name: shop-two")
    by_body = world.call("editor", "post", url, data=other, content_type=YAML)
    assert by_body.status_code == 201 and by_body.json()["name"] == "shop-two"
    third = SHOP_YAML.replace(b"name: shop", b"name: shop-three")
    upload = SimpleUploadedFile("shop.yaml", third, content_type=YAML)
    by_file = world.call("editor", "post", url, data={"file": upload})
    assert by_file.status_code == 201 and by_file.json()["name"] == "shop-three"


def test_a_second_model_with_the_same_name_is_a_conflict(world):
    url = f"/api/v1/workspaces/{world.workspace.pk}/models"
    response = world.call("editor", "post", url, data={"name": "shop"}, content_type=JSON)
    assert response.status_code == 409
    assert Architecture.objects.filter(workspace=world.workspace).count() == 1


def test_get_returns_the_canonical_document_with_an_etag(world):
    response = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["revision"] == 1 and list(body["document"])[:2] == ["apiVersion", "name"]


def test_export_downloads_canonical_yaml_and_json(world):
    y = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/export")
    assert y.status_code == 200
    assert y["Content-Disposition"] == 'attachment; filename="shop.yaml"'
    assert yaml.safe_load(y.content)["name"] == "shop"
    j = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/export?format=json")
    assert j["Content-Disposition"] == 'attachment; filename="shop.json"'
    assert j.json() == world.arch.document
    assert (
        world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/export?format=xml").status_code
        == 400
    )


def test_export_round_trips_byte_for_byte(world):
    first = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/export").content
    put = world.call("editor", "put", doc_url(world, 1), data=first, content_type=YAML)
    assert put.status_code == 200 and put.json()["changed"] is False
    assert world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/export").content == first
    assert Revision.objects.filter(architecture=world.arch).count() == 1


def test_ops_write_a_new_revision_with_author_and_summary(world):
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    response = world.call("editor_token", "post", ops_url(world), data=ops, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"]["number"] == 2 and body["model"]["revision"] == 2
    assert body["revision"]["author"] == "token:editor-token"
    assert body["revision"]["summary"] == ["updated service 'orders': replicas"]
    assert body["revision"]["changes"] == {"kind": "ops", "ops": ops}
    world.arch.refresh_from_db()
    assert service(world.arch.document, "orders")["replicas"] == 3


def test_ops_on_different_elements_from_two_people_both_survive(world):
    a = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 4}}]
    b = [{"op": "update", "kind": "service", "id": "payments", "set": {"replicas": 5}}]
    c = [{"op": "update", "kind": "service", "id": "orders", "set": {"port": 9090}}]
    for persona, ops in (("owner", a), ("editor", b), ("editor_token", c)):
        assert (
            world.call(persona, "post", ops_url(world), data=ops, content_type=JSON).status_code
            == 200
        )
    world.arch.refresh_from_db()
    assert world.arch.revision == 4
    assert service(world.arch.document, "orders")["replicas"] == 4
    assert service(world.arch.document, "orders")["port"] == 9090
    assert service(world.arch.document, "payments")["replicas"] == 5


def broadcast_of_an_edit(world, capture_on_commit, monkeypatch):
    """(ops, the broadcast_model_changed calls) of the editor setting orders' replicas to 3."""
    sent = []
    monkeypatch.setattr(
        "apps.architectures.services.broadcast_model_changed", lambda **kw: sent.append(kw)
    )
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    with capture_on_commit(execute=True):
        world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    return ops, sent


def test_ops_broadcast_model_changed_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    ops, sent = broadcast_of_an_edit(world, django_capture_on_commit_callbacks, monkeypatch)
    orders = service(world.arch.document, "orders")
    assert sent == [
        {
            "architecture_id": world.arch.pk,
            "revision": 2,
            "author": world.users["editor"].username,
            "ops": ops,
            "summary": ["updated service 'orders': replicas"],
            # only what changed: the one service, whole
            "delta": {
                "keys": list(world.arch.document),
                "lists": {"services": {"put": {"orders": {**orders, "replicas": 3}}}},
            },
        }
    ]


def test_the_event_reaches_the_model_group(world, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"model-{world.arch.pk}", channel)
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    with django_capture_on_commit_callbacks(execute=True):
        world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    event = async_to_sync(layer.receive)(channel)
    assert event["type"] == "model.changed" and event["model"] == world.arch.pk
    assert event["revision"] == 2 and event["ops"] == ops
    # An editor at revision 1 replays the delta to revision 2's document without fetching it.
    before = world.arch.document
    world.arch.refresh_from_db()
    assert event["base"] == 1
    assert apply_delta(before, event["delta"]) == world.arch.document


def test_a_large_change_is_announced_without_its_delta(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """Past MAX_LIVE_DELTA_BYTES the event says only that the model changed: editors fetch it
    (a websocket message stays small whatever the change)."""
    monkeypatch.setattr("apps.architectures.services.MAX_LIVE_DELTA_BYTES", 10)
    _, sent = broadcast_of_an_edit(world, django_capture_on_commit_callbacks, monkeypatch)
    assert sent[0]["revision"] == 2 and sent[0]["delta"] is None


def test_a_broken_channel_layer_does_not_fail_the_write(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def boom():
        raise RuntimeError("redis is down")

    monkeypatch.setattr("apps.architectures.events.get_channel_layer", boom)
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    with django_capture_on_commit_callbacks(execute=True):
        response = world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    assert response.status_code == 200


def test_whole_document_write_needs_a_base_revision(world):
    response = world.call("editor", "put", doc_url(world), data=SHOP_YAML, content_type=YAML)
    assert response.status_code == 428
    assert response.json()["current_revision"] == 1


def test_a_stale_whole_document_write_is_409_with_the_current_revision(world):
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}]
    world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    changed = SHOP_YAML.replace(b"title: Online shop", b"title: Stale")
    response = world.call("owner", "put", doc_url(world, 1), data=changed, content_type=YAML)
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    assert "revision 1" in response.json()["detail"]
    world.arch.refresh_from_db()
    assert world.arch.revision == 2 and world.arch.title == "Online shop"


def test_if_match_header_is_an_alternative_to_base_revision(world):
    changed = SHOP_YAML.replace(b"title: Online shop", b"title: Matched")
    stale = world.call(
        "editor", "put", doc_url(world), data=changed, content_type=YAML, HTTP_IF_MATCH='"7"'
    )
    assert stale.status_code == 409
    ok = world.call(
        "editor", "put", doc_url(world), data=changed, content_type=YAML, HTTP_IF_MATCH='"1"'
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["model"]["title"] == "Matched" and ok.json()["revision"]["number"] == 2
    assert ok.json()["revision"]["summary"] == ["changed model title"]


def test_import_accepts_json_and_a_multipart_file(world):
    import json

    doc = dict(world.arch.document, title="From JSON")
    as_json = world.call(
        "editor", "put", doc_url(world, 1), data=json.dumps(doc), content_type=JSON
    )
    assert as_json.status_code == 200 and as_json.json()["model"]["title"] == "From JSON"
    upload = SimpleUploadedFile("m.yaml", SHOP_YAML, content_type=YAML)
    as_file = world.call(
        "editor",
        "put",
        doc_url(world, 2),
        data=encode_multipart(BOUNDARY, {"file": upload}),
        content_type=MULTIPART_CONTENT,
    )
    assert as_file.status_code == 200 and as_file.json()["model"]["title"] == "Online shop"


def test_revisions_list_and_detail(world):
    ops = [{"op": "add", "kind": "team", "id": "team-new", "value": {"title": "New"}}]
    world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    listed = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/revisions").json()
    assert [r["number"] for r in listed] == [2, 1]
    assert listed[0]["summary"] == ["added team 'team-new'"]
    one = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/revisions/1").json()
    assert "team-new" not in str(one["document"])
    assert (
        world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/revisions/9").status_code
        == 404
    )


def test_diff_between_revisions(world):
    ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 7}}]
    world.call("editor", "post", ops_url(world), data=ops, content_type=JSON)
    body = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/diff?from=1&to=2").json()
    assert body["elements"]["changed"][0]["fields"] == {"replicas": {"before": 2, "after": 7}}
    assert "+    replicas: 7" in body["yaml"]
    default = world.call("viewer", "get", f"/api/v1/models/{world.arch.pk}/diff").json()
    assert (default["from_revision"], default["to_revision"]) == (1, 2)


def test_revert_writes_a_new_revision_with_the_old_document(world):
    ops = [{"op": "remove", "kind": "service", "id": "shipping", "cascade": True}]
    assert (
        world.call("editor", "post", ops_url(world), data=ops, content_type=JSON).status_code == 200
    )
    response = world.call("editor", "post", f"/api/v1/models/{world.arch.pk}/revisions/1/revert")
    assert response.status_code == 200
    body = response.json()
    assert body["revision"]["number"] == 3
    assert body["revision"]["summary"][0] == "reverted to revision 1"
    assert body["revision"]["changes"]["from_revision"] == 1
    world.arch.refresh_from_db()
    first = Revision.objects.get(architecture=world.arch, number=1)
    assert world.arch.document == first.document and world.arch.content_hash == first.content_hash
    missing = world.call("editor", "post", f"/api/v1/models/{world.arch.pk}/revisions/42/revert")
    assert missing.status_code == 404


def test_revisions_are_append_only(world):
    rev = Revision.objects.get(architecture=world.arch, number=1)
    rev.summary = "rewritten history"
    with pytest.raises(ValueError, match="append-only"):
        rev.save()


def test_renaming_the_model_through_ops_follows_into_the_listing(world):
    ops = [{"op": "update", "kind": "model", "set": {"name": "webshop", "title": "Web shop"}}]
    assert (
        world.call("editor", "post", ops_url(world), data=ops, content_type=JSON).status_code == 200
    )
    listed = world.call("viewer", "get", f"/api/v1/workspaces/{world.workspace.pk}/models").json()
    assert [(m["name"], m["title"]) for m in listed] == [("webshop", "Web shop")]


def test_delete_removes_the_model_and_its_history(world):
    assert world.call("owner", "delete", f"/api/v1/models/{world.arch.pk}").status_code == 204
    assert not Revision.objects.filter(architecture_id=world.arch.pk).exists()
