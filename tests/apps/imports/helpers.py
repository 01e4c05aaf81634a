from __future__ import annotations

from pathlib import Path
from typing import Any

from apps.imports.importers import SourceFile, import_files, read_paths

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"


def fixture(*parts: str) -> str:
    return str(FIXTURES.joinpath(*parts))


def run(kind: str, *paths: str, **kw: Any) -> tuple[dict[str, Any], Any]:
    return import_files(kind, read_paths([fixture(*p.split("/")) for p in paths]), **kw)


def text(
    kind: str, content: str, name: str = "input.yaml", **kw: Any
) -> tuple[dict[str, Any], Any]:
    return import_files(kind, [SourceFile(name, content.encode())], **kw)


def services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in doc.get("services", [])}


def calls(doc: dict[str, Any], sid: str) -> set[str]:
    return {c["to"] if isinstance(c, dict) else c for c in services(doc)[sid].get("calls", [])}


def data(doc: dict[str, Any], sid: str) -> set[str]:
    return {d["store"] if isinstance(d, dict) else d for d in services(doc)[sid].get("data", [])}


def kinds(doc: dict[str, Any], coll: str) -> dict[str, str]:
    return {e["id"]: e["kind"] for e in doc.get(coll, [])}


def public(doc: dict[str, Any]) -> set[str]:
    return {
        c["to"] if isinstance(c, dict) else c for a in doc.get("actors", []) for c in a["calls"]
    }
