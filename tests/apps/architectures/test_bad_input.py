"""Hostile and broken input: always a 4xx with a usable error, never a 500, nothing stored."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from apps.architectures.fields import canonical_json
from apps.architectures.models import Architecture, Revision
from tests.apps.workspaces.personas import SHOP_YAML

pytestmark = pytest.mark.django_db

YAML = "application/yaml"
JSON = "application/json"
BILLION_LAUGHS = b"""apiVersion: workbench/v1
name: lol
x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
x-e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""


@pytest.fixture
def unchanged(world):
    """Asserts, after the test body, that the stored model and its history did not move."""
    arch = Architecture.objects.get(pk=world.arch.pk)
    before = (arch.document, arch.content_hash, arch.revision, Revision.objects.count())
    yield
    arch = Architecture.objects.get(pk=world.arch.pk)
    assert (arch.document, arch.content_hash, arch.revision, Revision.objects.count()) == before


def put(world, body, content_type=YAML):
    return world.call(
        "editor",
        "put",
        f"/api/v1/models/{world.arch.pk}/document?base_revision=1",
        data=body,
        content_type=content_type,
    )


def with_line(errors):
    return [e for e in errors if e["line"] is not None]


@pytest.mark.usefixtures("unchanged")
class TestWholeDocument:
    def test_malformed_yaml_is_422_with_line_and_column(self, world):
        response = put(world, b"apiVersion: workbench/v1\nname: shop\nservices: [\n  - {id: a\n")
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert errors[0]["kind"] == "syntax" and errors[0]["line"] >= 3 and errors[0]["column"]

    def test_wrong_types_point_at_the_field_and_its_line(self, world):
        body = SHOP_YAML.replace(b"runtime: node", b"runtime: node\n    port: http")
        response = put(world, body)
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert errors[0]["pointer"] == "/services/0/port"
        assert (
            errors[0]["kind"] == "type"
            and errors[0]["line"] == body.decode().splitlines().index("    port: http") + 1
        )

    def test_unknown_keys_are_named_with_their_path(self, world):
        body = SHOP_YAML.replace(b"runtime: node", b"runtime: node\n    colour: blue")
        response = put(world, body)
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["kind"] == "unknown-key" and error["pointer"].startswith("/services/0/colour")

    def test_dangling_ids_suggest_a_fix_and_every_error_is_listed(self, world):
        body = SHOP_YAML.replace(b"calls: [gateway]", b"calls: [gatewy]").replace(
            b"team: team-orders", b"team: team-order"
        )
        response = put(world, body)
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert len(errors) >= 2 and all(e["kind"] == "dangling-reference" for e in errors)
        assert "did you mean 'gateway'" in errors[0]["message"]
        assert len(with_line(errors)) == len(errors)

    def test_a_50_mb_body_is_413_naming_the_limit(self, world):
        response = put(world, b"#" * (50 * 1024 * 1024))
        assert response.status_code == 413
        assert "5,242,880" in response.json()["detail"]

    def test_an_oversized_multipart_file_is_413(self, world, settings):
        settings.WORKBENCH_MAX_MODEL_BYTES = 1000
        upload = SimpleUploadedFile("big.yaml", b"#" * 5000, content_type=YAML)
        response = world.call(
            "editor",
            "put",
            f"/api/v1/models/{world.arch.pk}/document?base_revision=1",
            data=encode_multipart(BOUNDARY, {"file": upload}),
            content_type=MULTIPART_CONTENT,
        )
        assert response.status_code == 413 and "1,000" in response.json()["detail"]

    def test_a_multipart_body_without_a_file_part_is_400(self, world):
        response = world.call(
            "editor",
            "put",
            f"/api/v1/models/{world.arch.pk}/document?base_revision=1",
            data=encode_multipart(BOUNDARY, {"other": "x"}),
            content_type=MULTIPART_CONTENT,
        )
        assert response.status_code == 400

    def test_billion_laughs_is_refused(self, world):
        response = put(world, BILLION_LAUGHS)
        assert response.status_code == 422
        assert any(
            "alias" in e["message"] or "anchor" in e["message"] for e in response.json()["errors"]
        )

    def test_ten_thousand_deep_nesting_is_refused(self, world):
        body = (
            b"apiVersion: workbench/v1\nname: deep\nx-deep: "
            + b"[" * 10_000
            + b"]" * 10_000
            + b"\n"
        )
        response = put(world, body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["kind"] == "limit"

    def test_ten_thousand_deep_json_is_refused(self, world):
        body = (
            b'{"apiVersion": "workbench/v1", "name": "deep", "x-deep": '
            + b"[" * 10_000
            + b"]" * 10_000
            + b"}"
        )
        response = put(world, body, JSON)
        assert response.status_code == 422

    def test_non_utf8_is_refused(self, world):
        response = put(world, "apiVersion: workbench/v1\nname: caf\xe9\n".encode("latin-1"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["kind"] == "syntax"

    def test_an_empty_body_is_refused(self, world):
        assert put(world, b"").status_code == 422

    def test_a_list_instead_of_a_model_is_refused(self, world):
        response = put(world, b"[1, 2, 3]", JSON)
        assert response.status_code == 422 and response.json()["errors"][0]["kind"] == "type"

    def test_a_bad_if_match_header_is_400(self, world):
        response = world.call(
            "editor",
            "put",
            f"/api/v1/models/{world.arch.pk}/document",
            data=SHOP_YAML,
            content_type=YAML,
            HTTP_IF_MATCH="soon",
        )
        assert response.status_code == 400

    def test_too_many_elements_is_a_limit_error(self, world, settings):
        settings.WORKBENCH_MAX_ELEMENTS = 5
        response = put(world, SHOP_YAML)
        assert response.status_code == 422
        assert response.json()["errors"][0]["kind"] == "limit"


@pytest.mark.usefixtures("unchanged")
class TestOps:
    def url(self, world):
        return f"/api/v1/models/{world.arch.pk}/ops"

    def post(self, world, body, content_type=JSON):
        return world.call("editor", "post", self.url(world), data=body, content_type=content_type)

    def test_an_unknown_element_is_422_with_the_op_pointer(self, world):
        response = self.post(
            world, [{"op": "update", "kind": "service", "id": "order", "set": {"port": 1}}]
        )
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["pointer"] == "/0/id" and "did you mean 'orders'" in error["message"]

    def test_an_op_that_breaks_the_model_lists_every_validation_error(self, world):
        ops = [
            {"op": "update", "kind": "service", "id": "orders", "set": {"port": "http"}},
            {"op": "update", "kind": "service", "id": "payments", "set": {"team": "nobody"}},
        ]
        response = self.post(world, ops)
        assert response.status_code == 422
        kinds = sorted(e["kind"] for e in response.json()["errors"])
        assert kinds == ["dangling-reference", "type"]

    def test_removing_a_referenced_element_lists_the_referrers(self, world):
        response = self.post(world, [{"op": "remove", "kind": "service", "id": "orders"}])
        assert response.status_code == 422
        assert "gateway" in response.json()["detail"] and "cascade" in response.json()["detail"]

    def test_malformed_json_is_400_with_line_and_column(self, world):
        response = self.post(world, b'[{"op": "update",\n  "kind": }]')
        assert response.status_code == 400
        assert response.json()["errors"][0]["line"] == 2

    def test_deep_json_is_400(self, world):
        response = self.post(world, b"[" * 10_000 + b"]" * 10_000)
        assert response.status_code == 400

    def test_non_utf8_json_is_400(self, world):
        response = self.post(world, b'[{"op": "\xff\xfe"}]')
        assert response.status_code == 400

    def test_not_a_list_is_422(self, world):
        assert self.post(world, {"op": "update"}).status_code == 422

    def test_yaml_instead_of_json_is_415(self, world):
        assert self.post(world, b"- op: update", YAML).status_code == 415

    def test_a_50_mb_body_is_413(self, world):
        assert self.post(world, b" " * (50 * 1024 * 1024)).status_code == 413

    def test_an_op_growing_the_model_past_the_byte_limit_is_refused(self, world, settings):
        stored = len(canonical_json(world.arch.document).encode())
        settings.WORKBENCH_MAX_MODEL_BYTES = stored + 1000
        ops = [{"op": "update", "kind": "model", "set": {"description": "x" * 2000}}]
        response = self.post(world, ops)
        assert response.status_code == 422
        assert any(e["kind"] == "limit" for e in response.json()["errors"])


@pytest.mark.usefixtures("unchanged")
class TestCreate:
    def url(self, world):
        return f"/api/v1/workspaces/{world.workspace.pk}/models"

    def test_wrong_types_in_the_json_wrapper_are_422(self, world):
        response = world.call(
            "editor", "post", self.url(world), data={"name": 5, "document": []}, content_type=JSON
        )
        assert response.status_code == 422

    def test_an_invalid_name_is_422(self, world):
        response = world.call(
            "editor", "post", self.url(world), data={"name": "Not A Slug"}, content_type=JSON
        )
        assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/name"

    def test_an_invalid_source_is_422_with_lines(self, world):
        source = "apiVersion: workbench/v1\nname: x\nservices:\n  - id: a\n    port: no\n"
        response = world.call(
            "editor", "post", self.url(world), data={"source": source}, content_type=JSON
        )
        assert response.status_code == 422 and response.json()["errors"][0]["line"] == 5

    def test_a_huge_create_body_is_413(self, world):
        response = world.call(
            "editor", "post", self.url(world), data=b"#" * (6 * 1024 * 1024), content_type=YAML
        )
        assert response.status_code == 413

    def test_broken_json_is_400(self, world):
        response = world.call("editor", "post", self.url(world), data=b"{nope", content_type=JSON)
        assert response.status_code == 400

    def test_nothing_is_created(self, world):
        world.call(
            "editor",
            "post",
            self.url(world),
            data=json.dumps({"source": "x: ["}),
            content_type=JSON,
        )
        assert Architecture.objects.count() == 1
