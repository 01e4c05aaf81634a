"""``import --from structurizr|likec4`` on real public workspaces (sources in
tests/fixtures/imports/README.md), hostile input, and the round trip through our own diagrams
as code."""

from __future__ import annotations

import pytest

from apps.archmodel import load_model, model_from_data
from apps.diagrams.code import render_code
from apps.imports.importers import ImportInputError, SourceFile, import_files
from tests.support import DEMO_COPY
from workbench.cli import main

from .helpers import calls, data, fixture, kinds, run, services, text

BIGBANK_SERVICES = {
    "mainframe": "external",
    "email": "external",
    "atm": "external",
    "single-page-application": "frontend",
    "mobile-app": "frontend",
    "web-application": "service",
    "api-application": "service",
}


def _kinds(doc):
    return {s["id"]: s.get("kind", "service") for s in doc["services"]}


def test_big_bank_plc_structurizr_workspace():
    doc, report = run("structurizr", "structurizr/big-bank-plc.dsl")
    model_from_data(doc)
    assert doc["title"] == "Big Bank plc"
    assert _kinds(doc) == BIGBANK_SERVICES
    assert kinds(doc, "datastores") == {"database": "other"}
    # Components' relationships are lifted to their container, the API application.
    assert calls(doc, "api-application") == {"mainframe", "email"}
    assert data(doc, "api-application") == {"database"}
    assert calls(doc, "single-page-application") == {"api-application"}
    actors = {a["id"]: set(a["calls"]) for a in doc["actors"]}
    assert actors["customer"] == {"atm", "web-application", "single-page-application", "mobile-app"}
    assert {s["domain"] for s in doc["services"] if "domain" in s} == {"internet-banking-system"}
    ignored = " ".join(i.message for i in report.ignored)
    assert "between systems" in ignored and "component 'Sign In Controller'" in ignored


def test_microservices_structurizr_workspace_with_archetypes_and_anonymous_containers():
    doc, _ = run("structurizr", "structurizr/microservices.dsl")
    model_from_data(doc)
    apis = {f"service{n}-api" for n in range(1, 9)}
    assert apis <= set(services(doc))
    assert len(doc["datastores"]) == 8
    assert kinds(doc, "datastores")["service-1-database-schema"] == "mysql"  # archetype technology
    assert data(doc, "service1-api") == {"service-1-database-schema"}
    assert calls(doc, "spa") == {f"service{n}-api" for n in range(1, 6)}
    assert calls(doc, "service5-api") == {"software-system-b"}
    assert services(doc)["service1-api"]["runtime"] == "java"
    assert _kinds(doc)["software-system-b"] == "external"


def test_boutique_likec4_project():
    doc, report = run(
        "likec4", "likec4/boutique/_spec.c4", "likec4/boutique/model.c4", name="boutique"
    )
    model_from_data(doc)
    assert set(services(doc)) == {
        "email", "checkout", "cart", "action-log", "payments", "shipping", "catalogue",
        "frontend", "payment-gateway", "email-provider",
    }  # fmt: skip
    assert _kinds(doc)["frontend"] == "frontend" and _kinds(doc)["payment-gateway"] == "external"
    assert kinds(doc, "datastores") == {"db": "postgres"}
    assert calls(doc, "checkout") == {"payments", "shipping", "email", "action-log"}
    assert data(doc, "catalogue") == {"db"}
    access = {d["store"]: d["access"] for d in services(doc)["catalogue"]["data"]}
    assert access == {"db": "read"}  # "gets products"
    assert services(doc)["action-log"]["runtime"] == "go"
    assert {a["id"]: a["calls"] for a in doc["actors"]} == {"customer": ["frontend"]}
    assert any("Cart API" in i.message for i in report.ignored)


def test_bigbank_likec4_project_reads_like_the_structurizr_workspace():
    doc, _ = run("likec4", "likec4/bigbank/specs.c4", "likec4/bigbank/bigbank.c4", name="bigbank")
    dsl, _ = run("structurizr", "structurizr/big-bank-plc.dsl")
    assert _kinds(doc) == BIGBANK_SERVICES
    for sid in BIGBANK_SERVICES:
        assert calls(doc, sid) == calls(dsl, sid), sid
    assert data(doc, "api-application") == {"database"}


@pytest.mark.parametrize("fmt", ["structurizr", "likec4"])
def test_our_own_c4_output_imports_back_with_the_same_elements(fmt):
    model = load_model(DEMO_COPY.read_bytes())
    source = render_code(model, "context", fmt)
    doc, _ = import_files(
        fmt, [SourceFile(f"shop.{'dsl' if fmt == 'structurizr' else 'c4'}", source.encode())]
    )
    model_from_data(doc)
    assert set(services(doc)) == {s.id for s in model.services}
    assert {d["id"] for d in doc["datastores"]} == {d.id for d in model.datastores}
    for s in model.services:
        wanted = {c.to for c in s.calls} | {r.to for r in s.routes}
        assert calls(doc, s.id) == wanted, s.id
        assert data(doc, s.id) == {d.store for d in s.data}, s.id


def test_directives_are_never_followed_and_bad_input_is_located():
    doc, report = text(
        "structurizr",
        "workspace {\n  !include /etc/passwd\n  model {\n    !script groovy {\n      x\n    }\n"
        '    a = softwareSystem "A" {\n      b = container "B ${HOME}"\n    }\n  }\n}\n',
        name="w.dsl",
    )
    assert services(doc)["b"]["title"] == "B ${HOME}"
    assert any("!include" in i.message and "not followed" in i.message for i in report.ignored)
    with pytest.raises(ImportInputError) as caught:
        text("structurizr", "model {\n}\n", name="w.dsl")
    assert "workspace" in str(caught.value)
    with pytest.raises(ImportInputError) as caught:
        text("likec4", "model {\n  a = system 'x\n}\n", name="m.c4")
    assert "m.c4" in str(caught.value)


def test_the_cli_imports_a_structurizr_workspace(tmp_path, capsys):
    out = tmp_path / "bank.yaml"
    code = main(
        [
            "import",
            "--from",
            "structurizr",
            fixture("structurizr", "big-bank-plc.dsl"),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    model = load_model(out.read_bytes())
    assert {s.id for s in model.services} == set(BIGBANK_SERVICES)
    assert "inferred" in capsys.readouterr().err
