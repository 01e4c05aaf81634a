"""The MCP server over streamable HTTP: a real daphne serving workbench.asgi (``/mcp`` beside
Django and Channels), driven by the SDK's own client (``ClientSession`` over
``streamable_http_client``) with API tokens of different workspaces and roles."""

from __future__ import annotations

import json
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.browser.liveserver import ROOT, LiveServer, server_env

SHOP = (ROOT / "apps/architectures/demo/shop.yaml").read_text(encoding="utf-8")

WORLD = """
from django.contrib.auth.models import User
from apps.workspaces.services import workspace_create, token_create
from apps.architectures.services import architecture_create
from apps.workspaces.principal import Principal
shop = open({shop!r}, encoding="utf-8").read()
owner = User.objects.create_user("mcp-owner", password="x-pass-123")
other = User.objects.create_user("mcp-other", password="x-pass-123")
ws = workspace_create(name="MCP team", owner=owner)
ws2 = workspace_create(name="Elsewhere", owner=other)
arch = architecture_create(workspace=ws, actor=Principal(user=owner), source=shop)
arch2 = architecture_create(workspace=ws2, actor=Principal(user=other), source=shop)
_, editor = token_create(workspace=ws, name="assistant", role="editor", created_by=owner)
_, viewer = token_create(workspace=ws, name="reader", role="viewer", created_by=owner)
_, outsider = token_create(workspace=ws2, name="other", role="editor", created_by=other)
revoked_token, revoked = token_create(workspace=ws, name="old", role="editor", created_by=owner)
revoked_token.revoked_at = revoked_token.created
revoked_token.save()
result = {{"model": arch.pk, "other_model": arch2.pk, "editor": editor, "viewer": viewer,
          "outsider": outsider, "revoked": revoked}}
"""


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="wb-mcp-"))
    env = server_env(workdir)
    env.pop("REDIS_URL", None)  # embedded: own SQLite file, in-memory channel layer
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    server = LiveServer(workdir, env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(live: LiveServer) -> dict[str, Any]:
    return live.python(WORLD.format(shop=str(ROOT / "apps/architectures/demo/shop.yaml")))


def call(live: LiveServer, token: str, body: Any) -> Any:
    """Run ``body(session)`` in a fresh MCP session authenticated by ``token``."""

    async def main() -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            streamable_http_client(f"{live.url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await body(session)

    return anyio.run(main)


def text(result: Any) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


TOOLS = {
    "list_models",
    "get_model",
    "validate_model",
    "check_model",
    "draw_diagram",
    "export_bundle",
    "explain_rule",
    "apply_ops",
}


def test_the_tools_are_listed_and_each_answers_over_http(live, world):
    model = world["model"]

    async def body(s: ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": {t.name for t in (await s.list_tools()).tools}}
        out["list_models"] = await s.call_tool("list_models", {})
        out["get_model"] = await s.call_tool("get_model", {"model_id": model})
        out["validate_model"] = await s.call_tool("validate_model", {"source": "apiVersion: x"})
        out["check_model"] = await s.call_tool("check_model", {"model_id": model})
        out["draw_diagram"] = await s.call_tool(
            "draw_diagram", {"model_id": model, "view": "events", "format": "svg"}
        )
        out["export_bundle"] = await s.call_tool(
            "export_bundle", {"model_id": model, "target": "compose"}
        )
        out["explain_rule"] = await s.call_tool("explain_rule", {"rule_id": "shared-database"})
        out["apply_ops"] = await s.call_tool(
            "apply_ops",
            {
                "model_id": model,
                "ops": [
                    {"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}}
                ],
            },
        )
        out["after"] = await s.call_tool("get_model", {"model_id": model})
        return out

    out = call(live, world["editor"], body)
    assert out["tools"] >= TOOLS
    for name in TOOLS:
        assert not out[name].is_error, (name, text(out[name]))
    assert [m["name"] for m in out["list_models"].structured_content["result"]] == ["shop"]
    assert "apiVersion: workbench/v1" in text(out["get_model"])
    assert out["validate_model"].structured_content["valid"] is False
    assert out["check_model"].structured_content["summary"]["total"] > 0
    assert text(out["draw_diagram"]).lstrip().startswith("<svg") or "<svg" in text(
        out["draw_diagram"]
    )
    paths = [f["path"] for f in out["export_bundle"].structured_content["files"]]
    assert "compose.yaml" in paths
    assert out["explain_rule"].structured_content["rule"]["id"] == "shared-database"
    revision = out["apply_ops"].structured_content
    assert revision["author"] == "token:assistant" and revision["revision"] >= 2
    assert "replicas: 3" in text(out["after"])
    # The write is a revision like any other, visible through the HTTP API.
    revisions = api(live, world["viewer"], f"/api/v1/models/{model}/revisions")
    assert revisions[0]["author"] == "token:assistant"


def test_a_viewer_token_reads_but_is_refused_a_write(live, world):
    model = world["model"]

    async def body(s: ClientSession) -> tuple[Any, Any]:
        read = await s.call_tool("check_model", {"model_id": model})
        write = await s.call_tool(
            "apply_ops",
            {"model_id": model, "ops": [{"op": "remove", "kind": "service", "id": "orders"}]},
        )
        return read, write

    read, write = call(live, world["viewer"], body)
    assert not read.is_error
    assert write.is_error
    assert "forbidden" in text(write) and "viewer" in text(write)
    document = api(live, world["viewer"], f"/api/v1/models/{model}")["document"]
    assert "orders" in [s["id"] for s in document["services"]]


def test_a_token_of_another_workspace_finds_no_model(live, world):
    async def body(s: ClientSession) -> list[Any]:
        return [
            await s.call_tool("get_model", {"model_id": world["model"]}),
            await s.call_tool(
                "apply_ops",
                {
                    "model_id": world["model"],
                    "ops": [{"op": "remove", "kind": "service", "id": "orders"}],
                },
            ),
            await s.call_tool("list_models", {}),
        ]

    get, write, listed = call(live, world["outsider"], body)
    assert get.is_error and "not found" in text(get)
    assert write.is_error and "not found" in text(write)
    assert [m["id"] for m in listed.structured_content["result"]] == [world["other_model"]]


def test_resources_for_models_findings_and_rules(live, world):
    model = world["model"]

    async def body(s: ClientSession) -> dict[str, Any]:
        listed = await s.list_resources()
        templates = await s.list_resource_templates()
        return {
            "uris": {str(r.uri) for r in listed.resources},
            "templates": {t.uri_template for t in templates.resource_templates},
            "models": await s.read_resource("workbench://models"),
            "model": await s.read_resource(f"workbench://models/{model}"),
            "findings": await s.read_resource(f"workbench://models/{model}/findings"),
            "rule": await s.read_resource("workbench://rules/shared-database"),
        }

    out = call(live, world["viewer"], body)
    assert {"workbench://models", "workbench://rules"} <= out["uris"]
    assert "workbench://models/{model_id}/findings" in out["templates"]
    assert json.loads(out["models"].contents[0].text)[0]["id"] == model
    assert "apiVersion: workbench/v1" in out["model"].contents[0].text
    assert "findings" in json.loads(out["findings"].contents[0].text)
    assert json.loads(out["rule"].contents[0].text)["rule"]["id"] == "shared-database"


def post_mcp(live: LiveServer, header: str | None) -> urllib.error.HTTPError:
    request = urllib.request.Request(
        f"{live.url}/mcp",
        data=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
        method="POST",
    )
    if header:
        request.add_header("Authorization", header)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    return caught.value


@pytest.mark.parametrize("header", [None, "Bearer wbt_nope_nope", "Basic abc", "Bearer "])
def test_no_valid_token_is_a_401(live, header):
    error = post_mcp(live, header)
    assert error.code == 401
    assert error.headers["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in json.loads(error.read())


def test_a_revoked_token_is_a_401_and_the_sdk_client_fails_to_connect(live, world):
    assert post_mcp(live, f"Bearer {world['revoked']}").code == 401
    with pytest.raises(BaseException, match="unhandled errors"):
        call(live, world["revoked"], lambda s: s.list_tools())


def test_a_plain_json_rpc_post_with_a_token_lists_the_tools(live, world):
    request = urllib.request.Request(
        f"{live.url}/mcp",
        data=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "Authorization": f"Bearer {world['viewer']}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = json.loads(r.read())
    assert {t["name"] for t in answer["result"]["tools"]} >= TOOLS


def test_django_and_the_api_are_still_served_beside_mcp(live):
    with urllib.request.urlopen(f"{live.url}/api/v1/health", timeout=10) as r:
        assert json.loads(r.read()) == {"status": "ok"}


def api(live: LiveServer, token: str, path: str) -> Any:
    request = urllib.request.Request(live.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())
