"""Smaller losses of issue 14: OpenAPI http/basic schemes, inline Backstage API definitions,
subcomponentOf, datastore owners from Backstage Resources, guesses never overwriting facts."""

from __future__ import annotations

from apps.archmodel import model_from_data
from apps.imports.merge import merge_documents

from .helpers import FIXTURES, run, services, text

PROVIDER = """---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: greeter, tags: [java]}
spec: {type: service, owner: team-c, providesApis: [hello-world]}
"""


def test_an_inline_grpc_definition_gives_the_operations():
    api = (FIXTURES / "backstage" / "hello-world-api.yaml").read_text()
    doc, report = text("backstage", api + PROVIDER)
    (svc,) = doc["services"]
    assert svc["runtime"] == "java"  # from the tag
    assert svc["apis"][0]["style"] == "grpc"
    assert svc["apis"][0]["operations"] == [{"name": "SayHello"}]
    assert not any("definition is not read" in i.message for i in report.ignored)


def test_an_inline_openapi_definition_gives_the_operations():
    doc, _ = text(
        "backstage",
        """
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pets}
spec:
  type: openapi
  owner: team-a
  definition: |
    openapi: 3.0.0
    info: {title: Pets, version: 1.0.0}
    paths:
      /pets: {get: {responses: {'200': {description: ok}}}}
"""
        + PROVIDER.replace("hello-world", "pets"),
    )
    assert services(doc)["greeter"]["apis"][0]["operations"] == [{"method": "GET", "path": "/pets"}]


def test_a_subcomponent_stays_a_service_tagged_with_its_parent():
    doc, _ = run(
        "backstage",
        "backstage/catalog-info.yaml",
        "backstage/wayback-archive-ingestion-component.yaml",
    )
    assert "part-of:wayback-archive" in services(doc)["wayback-archive-ingestion"]["tags"]


def test_a_database_resource_is_owned_by_the_component_that_depends_on_it():
    doc, _ = run("backstage", "backstage/catalog-info.yaml")
    assert {d["id"]: d.get("owner") for d in doc["datastores"]} == {"artists-db": "artist-lookup"}


def test_openapi_basic_auth_has_no_model_value_and_says_so():
    doc, report = text(
        "openapi",
        """
openapi: 3.0.0
info: {title: Legacy, version: 2.1.0}
components: {securitySchemes: {basic: {type: http, scheme: basic}}}
paths: {/a: {get: {}}}
""",
    )
    api = doc["services"][0]["apis"][0]
    assert api["id"] == "legacy-api" and "auth" not in api  # the documented <title>-api id
    assert any("http basic" in i.message for i in report.ignored)


def test_merging_an_import_keeps_the_stored_facts_over_guesses():
    stored = model_from_data(
        {
            "apiVersion": "workbench/v1",
            "name": "shop",
            "services": [{"id": "orders", "runtime": "java"}],
        }
    ).document
    imported, _ = text("compose", "services:\n  orders:\n    build: ./orders\n")
    assert services(imported)["orders"]["runtime"] == "other"
    merged = merge_documents(stored, imported)
    assert services(merged)["orders"]["runtime"] == "java"
