"""The OpenAPI document is a contract generated clients can rely on: every error response with
the one error schema, enums for fixed choices, and the body limit."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(client: Client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def operations(schema: dict):  # type: ignore[no-untyped-def]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_its_errors_with_the_error_schema(schema: dict) -> None:
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "404", "422", "503"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if method != "get":
            expected |= {"409", "413", "415"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"


def test_validate_documents_rate_limiting_and_writes_with_a_base_revision_428(
    schema: dict,
) -> None:
    assert "429" in schema["paths"]["/api/v1/validate"]["post"]["responses"]
    assert "428" in schema["paths"]["/api/v1/models/{model_id}/document"]["put"]["responses"]


def parameter(schema: dict, path: str, method: str, name: str) -> dict:
    params = schema["paths"][path][method]["parameters"]
    return next(p for p in params if p["name"] == name)["schema"]


def test_fixed_choices_are_enums(schema: dict) -> None:
    diagram = "/api/v1/models/{model_id}/diagrams/{view}.{fmt}"
    assert "dependencies" in parameter(schema, diagram, "get", "view")["enum"]
    assert parameter(schema, diagram, "get", "fmt")["enum"] == [
        "svg",
        "png",
        "dot",
        "mermaid",
        "structurizr",
        "likec4",
        "plantuml",
    ]
    assert parameter(schema, "/api/v1/validate", "post", "format")["enum"] == [
        "json",
        "sarif",
        "junit",
    ]
    assert parameter(schema, "/api/v1/validate", "post", "fail_on")["enum"] == [
        "error",
        "warning",
        "info",
    ]
    assert parameter(schema, "/api/v1/models/{model_id}/export", "get", "format")["enum"] == [
        "yaml",
        "json",
    ]
    job = schema["components"]["schemas"]["ExportJobOut"]["properties"]
    assert job["target"]["enum"] == ["compose", "kubernetes", "all", "docs"]
    assert job["state"]["enum"] == ["queued", "running", "succeeded", "failed"]
    item = schema["components"]["schemas"]["ErrorItem"]["properties"]
    assert "value" in item["kind"]["enum"]


def test_bodies_state_their_limit(schema: dict, settings) -> None:  # type: ignore[no-untyped-def]
    for path, _method, operation in operations(schema):
        body = operation.get("requestBody")
        if body:
            assert body["x-max-bytes"] == settings.WORKBENCH_MAX_MODEL_BYTES, path


def test_large_diagrams_document_their_202_job(schema: dict) -> None:
    responses = schema["paths"]["/api/v1/diagrams/{view}"]["post"]["responses"]
    assert "progress" in responses["202"]["content"]["application/json"]["schema"]["properties"]
