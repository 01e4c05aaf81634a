"""Compose projects of several files with env files, as ``docker compose -f a -f b`` reads them:
merging, variables, profiles, extends across files; through the importer, the CLI and the API."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.archmodel import load_model, model_from_data
from apps.imports.drift import deployment_kind
from apps.imports.importers import SourceFile, import_files
from apps.rules.engine import check_model
from workbench.cli import main

from .helpers import FIXTURES, calls, data, fixture, kinds, public, run, services

ESHOP = FIXTURES / "compose" / "eshop"
ESHOP_FILES = ("compose/eshop/docker-compose.yml", "compose/eshop/docker-compose.override.yml")


def eshop() -> tuple[dict, object]:
    return run("compose", *ESHOP_FILES, "compose/eshop/.env")


def findings(doc: dict) -> list:
    return check_model(model_from_data(doc)).findings


def test_two_files_are_merged_later_overriding_and_lists_merged_as_mappings():
    doc, report = text_project(
        {
            "compose.yaml": """
services:
  api:
    image: python:3.12
    command: ["gunicorn", "app"]
    environment: [A=1, DB_HOST=db]
    ports: ["8000:8000"]
  db:
    image: postgres:17
""",
            "compose.override.yaml": """
services:
  api:
    command: ["python", "-m", "debug"]
    environment: {A: "2", CACHE_URL: "redis://cache:6379"}
    ports: ["5678:5678"]
  cache:
    image: redis:7
""",
        }
    )
    api = services(doc)["api"]
    assert data(doc, "api") == {"db", "cache"}  # environment merged: DB_HOST kept, CACHE_URL added
    assert api["port"] == 8000  # ports appended: the first stays the service port
    assert kinds(doc, "datastores") == {"db": "postgres", "cache": "redis"}
    assert any("overridden by 'compose.override.yaml'" in i.message for i in report.inferred)


def text_project(files: dict[str, str], **kw):
    return import_files(
        "compose", [SourceFile(name, body.encode()) for name, body in files.items()], **kw
    )


def test_variables_come_from_the_env_file_never_from_the_machine(monkeypatch):
    monkeypatch.setenv("DB_IMAGE", "mysql:8")
    doc, report = text_project(
        {
            "compose.yaml": """
services:
  app:
    image: ${APP_IMAGE}
    environment:
      - DATABASE_URL=postgres://u:${PASSWORD}@${DB_HOST:-db}/app
      - FEATURE_HOST
  db:
    image: ${DB_IMAGE:-postgres:16}
  flags:
    image: ${FLAGS_IMAGE-ghcr.io/open-feature/flagd:0.11}
  worker:
    image: ${WORKER_IMAGE:-${BASE_IMAGE:-python:3.12}}
""",
            ".env": "# comment\nexport APP_IMAGE='node:22'\nDB_HOST=db  # trailing\n"
            'FEATURE_HOST="flags"\nPASSWORD=$${not-a-var}\n',
        }
    )
    assert services(doc)["app"]["runtime"] == "node"
    assert services(doc)["worker"]["runtime"] == "python"  # a nested default
    assert kinds(doc, "datastores") == {"db": "postgres"}  # the machine's DB_IMAGE is not read
    assert calls(doc, "app") == {"flags"}  # the bare FEATURE_HOST took its value from .env
    assert data(doc, "app") == {"db"}
    assert not any("APP_IMAGE" in i.message for i in report.guessed)


def test_profiles_select_services_and_every_service_is_read_by_default():
    everything, _ = run("compose", "compose/voting-app.yml")
    assert "seed" in services(everything)
    chosen, report = run("compose", "compose/voting-app.yml", profiles=["debug"])
    assert "seed" not in services(chosen) and "vote" in services(chosen)
    assert any("'seed' runs only in profile(s) seed" in i.message for i in report.ignored)


def test_extends_reads_a_service_of_another_file_given():
    doc, _ = text_project(
        {
            "common.yml": "services:\n  base:\n    image: eclipse-temurin:21\n"
            "    environment: [DB_URL=postgres://db/x]\n  db:\n    image: postgres\n",
            "compose.yml": "services:\n  orders:\n    extends: {file: ./common.yml, service: base}\n"
            "    ports: ['8080:8080']\n",
        }
    )
    assert services(doc)["orders"]["runtime"] == "java"
    assert data(doc, "orders") == {"db"}


def test_a_project_with_an_env_file_is_detected_as_compose_for_drift():
    files = [SourceFile(p, (FIXTURES / p).read_bytes()) for p in ESHOP_FILES]
    assert deployment_kind([*files, SourceFile(".env", b"A=1\n")]) == "compose"
    boutique = FIXTURES / "kubernetes" / "boutique" / "kubernetes-manifests.yaml"
    assert deployment_kind([SourceFile("k.yaml", boutique.read_bytes())]) == "kubernetes"


# --- eShopOnContainers: docker-compose.yml + docker-compose.override.yml + .env ---------------


def test_eshop_is_the_model_its_architects_would_write():
    doc, report = eshop()
    model_from_data(doc)
    assert set(services(doc)) == {
        "identity-api", "basket-api", "catalog-api", "ordering-api", "ordering-backgroundtasks",
        "payment-api", "webhooks-api", "mobileshoppingapigw", "mobileshoppingagg",
        "webshoppingagg", "ordering-signalrhub", "webspa", "webmvc", "webhooks-client",
        "webshoppingapigw",
    }  # fmt: skip
    assert {s for s, v in services(doc).items() if v.get("kind") == "gateway"} == {
        "mobileshoppingapigw",
        "webshoppingapigw",
    }
    # mcr.microsoft.com/mssql/server is SQL Server; its databases are the datastores
    assert kinds(doc, "datastores") == {
        "nosqldata": "mongodb",
        "basketdata": "redis",
        "identity-db": "other",
        "catalog-db": "other",
        "ordering-db": "other",
        "webhooks-db": "other",
    }
    assert kinds(doc, "brokers") == {"rabbitmq": "rabbitmq"}
    owners = {d["id"]: d.get("owner") for d in doc["datastores"]}
    assert owners == {
        "nosqldata": None,
        "basketdata": "basket-api",
        "identity-db": "identity-api",
        "catalog-db": "catalog-api",
        "ordering-db": None,  # ordering-api and ordering-backgroundtasks both use it
        "webhooks-db": "webhooks-api",
    }
    # aggregators depend_on sqldata/nosqldata for start order only
    assert "data" not in services(doc)["webshoppingagg"]
    assert calls(doc, "webshoppingagg") == {
        "basket-api", "catalog-api", "ordering-api", "identity-api", "payment-api",
    }  # fmt: skip
    assert public(doc) == {"mobileshoppingapigw", "webshoppingapigw"}
    assert {s["runtime"] for s in doc["services"] if s.get("kind") != "gateway"} == {"dotnet"}
    # webstatus (HealthChecks UI) and seq are tooling; what webstatus polls has a health check
    assert any("'webstatus' is health dashboard tooling" in i.message for i in report.ignored)
    assert any("'seq' is logging tooling" in i.message for i in report.ignored)
    assert services(doc)["webmvc"]["health"] == {"liveness": "/hc", "readiness": "/hc"}


def test_eshop_findings_have_no_false_errors():
    doc, _ = eshop()
    errors = {(f.rule, f.target) for f in findings(doc) if f.severity == "error"}
    # both ordering services really use OrderingDb (the one shared database in the source)
    assert errors == {("shared-database", "ordering-db")}
    rules = {f.rule for f in findings(doc)}
    assert "sync-cycle" not in rules and "no-api-gateway" not in rules
    wobbly = [f for f in findings(doc) if f.rule == "wobbly-call"]
    assert wobbly and {f.severity for f in wobbly} == {"info"}  # timeouts are not in compose


def test_eshop_through_the_cli_import_check_and_drift(tmp_path, capsys):
    base, override = (str(FIXTURES / p) for p in ESHOP_FILES)
    out = tmp_path / "eshop.yaml"
    assert main(["import", "--from", "compose", base, override, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "variables read from" in err and ".env" in err  # the .env beside the first file
    model = load_model(out.read_bytes())
    assert "identity-db" in {d.id for d in model.datastores}
    assert main(["check", str(out), "--format", "json"]) == 1  # the one true error
    report = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == [
        "shared-database"
    ]
    assert main(["drift", str(out), "--against", base, "--against", override]) == 0
    assert capsys.readouterr().out == "no drift\n"
    # without the override the published ports, health URLs and databases are gone: drift
    assert main(["drift", str(out), "--against", base]) == 1


def test_cli_env_file_and_profile_options(tmp_path, capsys):
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  web:\n    image: ${WEB_IMAGE}\n    ports: ['80:80']\n"
        "  debug:\n    image: busybox\n    profiles: [debug]\n  tool:\n    image: node:22\n"
        "    profiles: [tools]\n"
    )
    (tmp_path / ".env").write_text("WEB_IMAGE=nginx:1.27\n")
    (tmp_path / "other.env").write_text("WEB_IMAGE=python:3.12\n")
    assert main(["import", "--from", "compose", str(compose), "--report", "json"]) == 0
    doc = load_model(capsys.readouterr().out.encode()).document
    assert services(doc)["web"]["kind"] == "gateway" and "tool" in services(doc)
    argv = ["import", "--from", "compose", str(compose), "--env-file", str(tmp_path / "other.env")]
    assert main([*argv, "--profile", "debug"]) == 0
    doc = load_model(capsys.readouterr().out.encode()).document
    assert services(doc)["web"]["runtime"] == "python" and "tool" not in services(doc)


def test_cli_import_errors_are_json_with_report_json(tmp_path, capsys):
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  a: [\n")
    assert main(["import", "--from", "compose", str(bad), "--report", "json"]) == 2
    errors = json.loads(capsys.readouterr().err)["errors"]
    assert errors[0]["file"] and errors[0]["line"]


@pytest.mark.django_db
def test_eshop_through_the_api_import_check_and_drift(world):
    uploads = [
        SimpleUploadedFile(p.rsplit("/", 1)[-1], (FIXTURES / p).read_bytes()) for p in ESHOP_FILES
    ]
    env = SimpleUploadedFile(".env", (ESHOP / ".env").read_bytes())
    res = world.call(
        "editor", "post", "/api/v1/import?from=compose", data={"files": [*uploads, env]}
    )
    assert res.status_code == 200, res.content
    body = res.json()
    assert {d["id"] for d in body["document"]["datastores"]} >= {"identity-db", "ordering-db"}
    checked = world.call(
        "viewer_token",
        "post",
        "/api/v1/validate",
        data=body["yaml"].encode(),
        content_type="application/yaml",
    )
    assert checked.status_code == 200, checked.content
    errors = [f for f in checked.json()["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["target"]) for f in errors] == [("shared-database", "ordering-db")]
    for u in uploads:
        u.seek(0)
    env.seek(0)
    res = world.call(
        "editor",
        "post",
        "/api/v1/drift",
        data={
            "model": SimpleUploadedFile("model.yaml", body["yaml"].encode()),
            "files": [*uploads, env],
        },
    )
    assert res.status_code == 200, res.content
    assert res.json()["drift"] is False


@pytest.mark.django_db
def test_api_profile_fields_select_services(world):
    voting = SimpleUploadedFile(
        "compose.yaml", (FIXTURES / "compose" / "voting-app.yml").read_bytes()
    )
    res = world.call(
        "editor", "post", "/api/v1/import?from=compose", data={"files": [voting], "profile": "x"}
    )
    assert res.status_code == 200, res.content
    assert "seed" not in {s["id"] for s in res.json()["document"]["services"]}


def test_fixture_helper_paths_exist():
    assert (FIXTURES / "compose" / "eshop" / ".env").is_file() and fixture("compose")
