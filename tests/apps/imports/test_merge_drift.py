from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from apps.archmodel import load_model, model_from_data
from apps.imports.drift import drift
from apps.imports.importers import SourceFile, import_files
from apps.imports.merge import import_preview, merge_documents

from .helpers import calls, data, fixture, run, services, text

BASE = {
    "apiVersion": "workbench/v1",
    "name": "votes",
    "services": [
        {"id": "vote", "title": "Voting front", "replicas": 2, "data": ["redis"]},
        {"id": "legacy"},
    ],
    "datastores": [{"id": "redis", "kind": "redis"}],
}


def test_merge_adds_and_updates_field_by_field_and_removes_nothing():
    imported, _ = run("compose", "compose/voting-app.yml")
    merged, diff, _ = import_preview(model_from_data(BASE).document, imported)
    s = services(merged)
    assert s["vote"]["title"] == "Voting front"  # kept
    assert "legacy" in s  # nothing removed unless asked
    assert data(merged, "worker") == {"redis", "db"}
    assert diff["counts"]["removed"] == 0 and diff["counts"]["added"] > 0
    changed = {c["id"]: c["fields"] for c in diff["changed"]}
    assert "health" in changed["vote"]


def test_merge_can_remove_what_the_import_lacks():
    imported, _ = run("compose", "compose/voting-app.yml")
    merged = merge_documents(model_from_data(BASE).document, imported, remove=True)
    assert "legacy" not in services(merged)


def test_openapi_merges_onto_an_existing_service():
    imported, _ = run("openapi", "openapi/petstore.yaml", service="vote")
    merged = merge_documents(model_from_data(BASE).document, imported)
    vote = services(merged)["vote"]
    assert vote["apis"][0]["operations"][0] == {"method": "GET", "path": "/pets"}
    assert vote["replicas"] == 2


def test_no_drift_between_an_import_and_its_source():
    doc, _ = run("compose", "compose/voting-app.yml")
    deployed, _ = run("compose", "compose/voting-app.yml")
    assert drift(doc, deployed) == []


def test_drift_reports_missing_unmodelled_calls_replicas_health_and_exposure():
    model = model_from_data(
        {
            "apiVersion": "workbench/v1",
            "name": "m",
            "actors": [{"id": "user", "calls": ["api"]}],
            "services": [
                {"id": "api", "replicas": 3, "health": True, "calls": ["billing"]},
                {"id": "billing"},
                {"id": "stripe", "kind": "external"},
            ],
        }
    ).document
    deployed, _ = text(
        "compose",
        """
services:
  api:
    image: python
    depends_on: [cache]
  billing: {image: python, ports: ["9000:9000"]}
  cache: {image: redis}
  extra: {image: node}
""",
    )
    got = {(i.kind, i.element) for i in drift(model, deployed)}
    assert got == {
        ("not-modelled", "extra"),
        ("not-modelled", "cache"),
        ("call-not-deployed", "api->billing"),
        ("call-not-modelled", "api->cache"),
        ("replicas", "api"),
        ("health", "api"),
        ("exposure", "api"),
        ("exposure", "billing"),
    }


def test_round_trip_through_the_compose_exporter_keeps_services_and_dependencies():
    from exporters import export_bundle

    model = load_model(Path("apps/architectures/demo/shop.yaml").read_bytes())
    bundle = export_bundle(model, target="compose")
    back, _ = import_files("compose", [SourceFile("compose.yaml", bundle.files["compose.yaml"])])
    deployed = [
        s for s in model.document["services"] if s.get("kind") not in ("external", "frontend")
    ]
    assert {s["id"] for s in deployed} == set(services(back))
    for s in deployed:
        want_calls = {c["to"] if isinstance(c, dict) else c for c in s.get("calls", [])}
        want_calls |= {r["to"] for r in s.get("routes", [])}  # exported as depends_on
        want_calls &= {d["id"] for d in deployed}
        want_data = {d["store"] if isinstance(d, dict) else d for d in s.get("data", [])}
        assert calls(back, s["id"]) == want_calls, s["id"]
        assert data(back, s["id"]) == want_data, s["id"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_import_then_drift_exit_codes(tmp_path):
    out = tmp_path / "model.yaml"
    done = cli("import", "--from", "compose", fixture("compose", "voting-app.yml"), "-o", str(out))
    assert done.returncode == 0 and "inferred" in done.stderr
    assert cli("drift", str(out), "--against", fixture("compose", "voting-app.yml")).returncode == 0
    res = cli(
        "drift", str(out), "--against", fixture("compose", "voting-app-v3.yml"), "--format", "json"
    )
    assert res.returncode == 1 and json.loads(res.stdout)["count"] == 4
    bad = cli("drift", str(out), "--against", fixture("openapi", "petstore.yaml"))
    assert bad.returncode == 2
    assert cli("import", "--from", "openapi", fixture("compose", "voting-app.yml")).returncode == 2


def test_removing_what_the_import_lacks_drops_the_journeys_through_it():
    doc = {
        **BASE,
        "actors": [{"id": "voter", "calls": ["vote", "legacy"]}],
        "journeys": [
            {"id": "cast", "entry": "voter", "calls": ["voter->vote"]},
            {"id": "old", "entry": "voter", "calls": ["voter->legacy"]},
        ],
    }
    imported, _ = run("compose", "compose/voting-app.yml")
    merged = merge_documents(model_from_data(doc).document, imported, remove=True)
    assert "legacy" not in services(merged)
    assert [j["id"] for j in merged["journeys"]] == ["cast"]
