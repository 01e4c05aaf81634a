"""``workbench mcp``: the offline MCP server as a subprocess, driven by the SDK's own client
(``ClientSession`` over ``stdio_client``), on model files in a folder."""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[3]
SHOP = ROOT / "apps/architectures/demo/shop.yaml"
WORKBENCH = str(Path(sys.executable).with_name("workbench"))

TOOLS = {
    "validate_model",
    "check_model",
    "draw_diagram",
    "export_bundle",
    "format_model",
    "explain_rule",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    (tmp_path / "broken.yaml").write_text("apiVersion: workbench/v1\nname: Bad Name\n")
    (tmp_path / "notes.yaml").write_text("just: notes\n")
    return tmp_path


def session(folder: Path, body: Any, *args: str) -> Any:
    params = StdioServerParameters(
        command=WORKBENCH, args=["mcp", "--root", str(folder), *args], cwd=str(folder)
    )

    async def main() -> Any:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            return await body(s)

    return anyio.run(main)


def text(result: Any) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def test_the_tools_are_listed_and_each_answers_over_stdio(folder):
    async def body(s: ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": {t.name for t in (await s.list_tools()).tools}}
        out["validate_model"] = await s.call_tool("validate_model", {"path": "shop.yaml"})
        out["check_model"] = await s.call_tool("check_model", {"path": "shop.yaml"})
        out["draw_diagram"] = await s.call_tool(
            "draw_diagram", {"path": "shop.yaml", "view": "data", "format": "dot"}
        )
        out["export_bundle"] = await s.call_tool(
            "export_bundle", {"path": "shop.yaml", "target": "compose", "output": "out.zip"}
        )
        out["format_model"] = await s.call_tool(
            "format_model", {"source": "{apiVersion: workbench/v1, name: tiny}"}
        )
        out["explain_rule"] = await s.call_tool("explain_rule", {"rule_id": "shared-database"})
        return out

    out = session(folder, body)
    assert out["tools"] >= TOOLS
    for name in TOOLS:
        assert not out[name].is_error, (name, text(out[name]))
    assert out["validate_model"].structured_content["services"] == 7
    report = out["check_model"].structured_content
    assert report["model"] == "shop" and report["summary"]["total"] == len(report["findings"])
    assert text(out["draw_diagram"]).startswith('digraph "wb_data"')
    summary = out["export_bundle"].structured_content
    assert summary["written"] == "out.zip"
    with zipfile.ZipFile(folder / "out.zip") as zf:
        assert f"{summary['bundle']}/compose.yaml" in zf.namelist()
    assert text(out["format_model"]) == "apiVersion: workbench/v1\nname: tiny\n"
    assert "why" in out["explain_rule"].structured_content


def test_problems_come_back_as_tool_errors_the_assistant_can_read(folder):
    async def body(s: ClientSession) -> list[Any]:
        return [
            await s.call_tool("validate_model", {"path": "broken.yaml"}),
            await s.call_tool("check_model", {"path": "broken.yaml"}),
            await s.call_tool("explain_rule", {"rule_id": "shared-databse"}),
            await s.call_tool("check_model", {"path": "../outside.yaml"}),
            await s.call_tool("draw_diagram", {"path": "shop.yaml", "view": "nope"}),
            await s.call_tool("export_bundle", {"path": "shop.yaml", "output": "/tmp/x.zip"}),
        ]

    validate, check, rule, outside, view, export = session(folder, body)
    assert not validate.is_error and validate.structured_content["valid"] is False
    assert validate.structured_content["errors"][0]["pointer"] == "/name"
    assert check.is_error and '"pointer": "/name"' in text(check)
    assert rule.is_error and "did you mean 'shared-database'" in text(rule)
    assert outside.is_error and "outside the folder" in text(outside)
    assert view.is_error and "view must be one of" in text(view)
    assert export.is_error and "outside the folder" in text(export)


def test_resources_are_the_rules_and_the_model_files_found(folder):
    async def body(s: ClientSession) -> dict[str, Any]:
        listed = await s.list_resources()
        return {
            "uris": sorted(str(r.uri) for r in listed.resources),
            "model": await s.read_resource("workbench://files/shop.yaml"),
            "findings": await s.read_resource("workbench://findings/shop.yaml"),
            "rules": await s.read_resource("workbench://rules"),
            "rule": await s.read_resource("workbench://rules/shared-database"),
        }

    out = session(folder, body)
    # Files that are workbench/v1 models are offered (even an invalid one); notes.yaml is not.
    assert out["uris"] == [
        "workbench://files/broken.yaml",
        "workbench://files/shop.yaml",
        "workbench://findings/broken.yaml",
        "workbench://findings/shop.yaml",
        "workbench://rules",
    ]
    assert out["model"].contents[0].text.startswith("apiVersion: workbench/v1\nname: shop\n")
    assert json.loads(out["findings"].contents[0].text)["model"] == "shop"
    rules = json.loads(out["rules"].contents[0].text)
    assert "shared-database" in {r["id"] for r in rules}
    assert json.loads(out["rule"].contents[0].text)["rule"]["id"] == "shared-database"


def test_files_named_on_the_command_line_are_the_only_resources(folder):
    async def body(s: ClientSession) -> list[str]:
        return sorted(str(r.uri) for r in (await s.list_resources()).resources)

    assert session(folder, body, "shop.yaml") == [
        "workbench://files/shop.yaml",
        "workbench://findings/shop.yaml",
        "workbench://rules",
    ]


def test_the_analysis_tools_answer_what_workbench_analyse_and_simulate_answer(folder):
    async def body(s: ClientSession) -> dict[str, Any]:
        return {
            "tools": {t.name for t in (await s.list_tools()).tools},
            "analyse": await s.call_tool("analyse_model", {"path": "shop.yaml"}),
            "simulate": await s.call_tool(
                "simulate_failure", {"path": "shop.yaml", "options": {"fail": ["payments"]}}
            ),
            "bad": await s.call_tool(
                "simulate_failure", {"path": "shop.yaml", "options": {"slow": ["fx"]}}
            ),
        }

    out = session(folder, body)
    assert {"analyse_model", "simulate_failure"} <= out["tools"]
    analysed = json.loads(text(out["analyse"]))
    states = {j["id"]: j["status"] for j in analysed["journeys"]}
    assert states["browse-catalog"] == "ok" and states["checkout"] == "over-target"
    simulated = json.loads(text(out["simulate"]))
    assert {j["id"]: j["state"] for j in simulated["journeys"]}["checkout"] == "failed"
    assert out["bad"].is_error and "the scenario is invalid" in text(out["bad"])
