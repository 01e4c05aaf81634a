"""Input an importer cannot read is refused with file, line and what was expected; nothing in
the input is ever fetched, read from the environment or run."""

from __future__ import annotations

import pytest

from apps.archmodel import model_from_data
from apps.imports.importers import ImportInputError, SourceFile, import_files

from .helpers import calls, data, services, text


def problem(kind: str, content: str | bytes, name: str = "in.yaml", **kw):
    raw = content.encode() if isinstance(content, str) else content
    with pytest.raises(ImportInputError) as info:
        import_files(kind, [SourceFile(name, raw)], **kw)
    return info.value


def test_compose_without_services_names_the_file_and_what_was_expected():
    exc = problem("compose", "version: '3'\nnetworks: {}\n", "compose.yaml")
    assert exc.problems[0].file == "compose.yaml"
    assert "'services' mapping" in exc.problems[0].message


def test_yaml_syntax_error_has_a_line():
    exc = problem("compose", "services:\n  a: [\n")
    assert exc.problems[0].line is not None and "YAML syntax" in exc.problems[0].message


def test_alias_bomb_is_refused_within_the_budget():
    rows = ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for i in range(1, 9):
        rows.append(f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 10) + "]")
    exc = problem("compose", "\n".join(rows) + "\nservices: {}\n")
    assert "expand to more than" in exc.problems[0].message


def test_compose_anchors_and_merge_keys_are_expanded():
    doc, _ = text(
        "compose",
        """
x-common: &common
  environment:
    DATABASE_URL: postgres://u:p@orders-db:5432/orders
  deploy: {replicas: 3}
services:
  orders:
    <<: *common
    image: python:3.12
  orders-db: {image: postgres:16}
""",
    )
    assert data(doc, "orders") == {"orders-db"}
    assert services(doc)["orders"]["replicas"] == 3
    assert services(doc)["orders"]["runtime"] == "python"


def test_aliases_are_refused_outside_compose():
    exc = problem("kubernetes", "kind: Service\nmetadata: &m {name: a}\nspec: {x: *m}\n")
    assert "anchors and aliases" in exc.problems[0].message


def test_env_interpolation_uses_the_default_and_never_the_environment(monkeypatch):
    monkeypatch.setenv("PAY_HOST", "attacker")
    doc, report = text(
        "compose",
        """
services:
  web:
    image: node:20
    environment:
      - PAYMENTS_URL=http://${PAY_HOST:-payments}:8080
      - SECRET=${SECRET}
  payments: {image: "golang:${GO_VERSION:-1.22}"}
""",
    )
    assert calls(doc, "web") == {"payments"}
    assert services(doc)["payments"]["runtime"] == "go"
    assert any("never read" in i.message for i in report.guessed)


def test_extends_from_another_file_is_ignored_with_a_message():
    doc, report = text(
        "compose",
        """
services:
  web:
    extends: {file: ../common.yml, service: base}
    image: python:3.12
""",
    )
    assert services(doc)["web"]["runtime"] == "python"
    assert any("not among the files given" in i.message for i in report.ignored)


def test_dangling_references_go_to_the_ignored_list_and_the_output_validates():
    doc, report = text(
        "compose",
        """
services:
  Web Front:
    image: nginx
    depends_on: [missing, api]
    ports: ["80:80"]
  api:
    image: python
    links: ["ghost:alias"]
  api_2: {image: python}
  API-2: {image: python}
""",
    )
    model_from_data(doc)
    assert services(doc)["web-front"]["kind"] == "gateway"
    assert calls(doc, "web-front") == {"api"}
    assert {"api-2", "api-2-svc"} <= set(services(doc))
    assert sum("not described" in i.message for i in report.ignored) == 2


def test_openapi_remote_refs_are_ignored_never_fetched():
    doc, report = text(
        "openapi",
        """
openapi: 3.0.3
info: {title: Orders, version: 2.1.0}
paths:
  /orders:
    $ref: 'https://example.com/paths.yaml#/orders'
  /orders/{id}:
    get: {responses: {'200': {$ref: 'http://example.com/r.yaml'}}}
""",
    )
    assert doc["services"][0]["apis"][0]["operations"] == [
        {"method": "GET", "path": "/orders/{id}"}
    ]
    assert sum("never fetched" in i.message for i in report.ignored) >= 2


def test_swagger_2_is_refused():
    assert "OpenAPI 3" in problem("openapi", "swagger: '2.0'\npaths: {}\n").problems[0].message


def test_kustomize_reads_only_local_resources(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - app.yaml\n  - github.com/acme/base?ref=v1\n  - ../outside.yaml\n"
    )
    (tmp_path / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n"
        "    metadata: {labels: {app: app}}\n    spec: {containers: [{name: a, image: node}]}\n"
    )
    (tmp_path / "unlisted.yaml").write_text(
        "kind: Deployment\nmetadata: {name: other}\nspec: {template: {spec: {containers: "
        "[{image: x}]}}}\n"
    )
    from apps.imports.importers import read_paths

    doc, report = import_files("kubernetes", read_paths([str(tmp_path)]))
    assert set(services(doc)) == {"app"}
    messages = " ".join(i.message for i in report.ignored)
    assert "remote base" in messages and "outside the given folder" in messages


def test_not_utf8_and_too_big_are_refused():
    assert "UTF-8" in problem("compose", b"services:\n  a: {image: \xff}\n").problems[0].message
    exc = problem("compose", "services: {}\n" + "#" * 2000, max_bytes=1000)
    assert exc.status == 413


def test_custom_tags_are_refused():
    assert "custom tag" in problem("compose", "services: !!python/object {}\n").problems[0].message


def test_kubernetes_object_without_kind_is_refused():
    assert (
        "'kind'"
        in problem("kubernetes", "apiVersion: v1\nmetadata: {name: x}\n").problems[0].message
    )


def test_unknown_kind_is_a_400():
    assert problem("cobol", "x: 1\n").status == 400
