"""The MCP server on stored models, served over streamable HTTP under ``/mcp`` (see ``asgi``).

Every tool and resource first asks who is calling: the ``Authorization: Bearer wbt_...`` API
token of the request (checked again on every call, so a token revoked mid-session stops at the
next call), as a ``Principal`` acting in the token's workspace with the token's role. Then it
calls the same selectors and services as the HTTP API: ``architecture_get_for`` (a model of
another workspace is "not found"; a role too low is refused), and for writes
``architecture_apply_ops`` (a new revision, ``model.changed`` broadcast to open editors after
commit, ops addressing elements so concurrent edits of different elements both survive).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations

from apps.architectures.selectors import (
    architecture_get_for,
    architecture_list_for,
    architecture_model,
)
from apps.architectures.services import architecture_apply_ops, model_limits
from apps.archmodel import ModelInvalid, dump_yaml
from apps.archmodel.ops import OpError
from apps.workspaces.auth import token_authenticate
from apps.workspaces.errors import Conflict
from apps.workspaces.principal import Principal

from . import tools
from .analysis import MODEL_TOOLS

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)

T = TypeVar("T")


class NotAuthenticated(Exception):
    """No token, or one that is unknown or revoked (the transport answers 401 before a tool
    runs; this catches a token revoked since)."""


def principal_for(raw_token: str | None) -> Principal:
    """The principal of a raw ``wbt_...`` token, checked against the database now."""
    token = token_authenticate(raw_token) if raw_token else None
    if token is None:
        raise NotAuthenticated("authentication required: the API token is unknown or revoked")
    return Principal(user=None, token=token)


def _problem(exc: Exception) -> str:
    """The message an assistant reads for an error the HTTP API would answer with a 4xx."""
    if isinstance(exc, Http404):
        return f"not found: {exc}"  # also a model of another workspace: existence not revealed
    if isinstance(exc, PermissionDenied):
        return f"forbidden: {exc}"
    if isinstance(exc, ModelInvalid):
        return str(tools.invalid_problem(exc))
    if isinstance(exc, OpError):
        return f"the ops cannot apply: {exc}"
    if isinstance(exc, Conflict):
        return f"conflict: {exc.message}"
    return str(exc)


EXPECTED = (
    Http404,
    PermissionDenied,
    ModelInvalid,
    OpError,
    Conflict,
    tools.ToolProblem,
    NotAuthenticated,
)


async def as_caller(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run ``fn(principal=..., **kwargs)`` in a database thread as the caller of this request;
    expected failures become the tool's error message."""
    access = get_access_token()
    raw = access.token if access is not None else None

    def call() -> T:
        return fn(principal=principal_for(raw), **kwargs)

    try:
        return await database_sync_to_async(call)()
    except EXPECTED as exc:
        raise ToolError(_problem(exc)) from None


def _model(principal: Principal, model_id: int, need: str = "viewer") -> Any:
    return architecture_model(
        architecture_get_for(principal=principal, architecture_id=model_id, need=need)
    )


# The tool bodies: plain functions of the principal, run by ``as_caller``.


def _list_models(*, principal: Principal) -> list[dict[str, Any]]:
    assert principal.token is not None
    rows = architecture_list_for(principal=principal, workspace_id=principal.token.workspace_id)
    return [
        {"id": a.pk, "name": a.name, "title": a.title, "revision": a.revision}
        for a in rows.order_by("name", "pk")
    ]


def _get_model(*, principal: Principal, model_id: int) -> str:
    arch = architecture_get_for(principal=principal, architecture_id=model_id)
    return f"# revision {arch.revision}\n" + dump_yaml(architecture_model(arch))


def _apply_ops(*, principal: Principal, model_id: int, ops: list[dict[str, Any]]) -> dict[str, Any]:
    architecture_get_for(principal=principal, architecture_id=model_id, need="editor")
    revision, changed = architecture_apply_ops(architecture_id=model_id, ops=ops, actor=principal)
    return {
        "model": model_id,
        "revision": revision.number,
        "changed": changed,
        "author": principal.label,
        "summary": revision.summary.splitlines() if changed else [],
    }


def build_server() -> MCPServer:
    """The server on stored models (the caller comes from the request's bearer token)."""
    server: MCPServer = MCPServer(
        "workbench",
        title="Architecture Workbench",
        instructions=(
            "Tools for the architecture models stored in this workspace (the one of your API "
            "token): list and read models, validate, check against the architecture rules, "
            "draw diagrams (SVG, DOT, Mermaid, Structurizr, LikeC4, PlantUML), export "
            "deployment bundles, explain a rule, and (editor tokens) change a model with "
            "element ops."
        ),
        log_level="WARNING",
    )

    @server.tool(annotations=READ_ONLY)
    async def list_models() -> list[dict[str, Any]]:
        """The models of your token's workspace: id, name, title and current revision."""
        return await as_caller(_list_models)

    @server.tool(annotations=READ_ONLY)
    async def get_model(model_id: int) -> str:
        """A stored model's current document, as canonical workbench/v1 YAML (first line: its
        revision)."""
        return await as_caller(_get_model, model_id=model_id)

    @server.tool(annotations=READ_ONLY)
    async def validate_model(source: str) -> dict[str, Any]:
        """Check a model's text (YAML or JSON) against the workbench/v1 format; nothing is
        stored. Every error with JSON pointer, line and column."""

        def run(*, principal: Principal) -> dict[str, Any]:
            return tools.validate_source(source, limits=model_limits())

        return await as_caller(run)

    @server.tool(annotations=READ_ONLY)
    async def check_model(
        model_id: int | None = None, source: str | None = None, fail_on: str = "error"
    ) -> dict[str, Any]:
        """Run the architecture rules on a stored model (model_id) or a model's text (source):
        findings with rule, severity, target, message and fix."""

        def run(*, principal: Principal) -> dict[str, Any]:
            return tools.check(_pick(principal, model_id, source), fail_on=fail_on)

        return await as_caller(run)

    @server.tool(annotations=READ_ONLY)
    async def draw_diagram(
        model_id: int,
        view: str = "dependencies",
        format: str = "svg",
        domain: str | None = None,
        team: str | None = None,
        focus: str | None = None,
        hops: int = 1,
    ) -> str:
        """Draw a view of a stored model (views: context, dependencies, events, data, teams)
        as text: svg or dot (Graphviz, findings marked; filters domain/team/focus+hops), or
        diagrams as code: mermaid and plantuml (any view), structurizr and likec4 (the whole
        model as C4)."""

        def run(*, principal: Principal) -> str:
            return tools.diagram(
                _model(principal, model_id), view=view, fmt=format, domain=domain, team=team,
                focus=focus, hops=hops,
            )  # fmt: skip

        return await as_caller(run)

    @server.tool(annotations=READ_ONLY)
    async def export_bundle(model_id: int, target: str = "all") -> dict[str, Any]:
        """The deployment bundle (target compose|kubernetes|all, or docs: the architecture document) of a stored model: its files
        (small text files inline), the zip's size and sha256. For the zip itself use the export
        jobs of the HTTP API (docs/exports.md)."""

        def run(*, principal: Principal) -> dict[str, Any]:
            return tools.export(_model(principal, model_id), target=target)[0]

        return await as_caller(run)

    @server.tool(annotations=READ_ONLY)
    async def explain_rule(rule_id: str) -> dict[str, Any]:
        """A rule's documentation: why it matters, a failing and a passing model, how to fix
        it, its thresholds and how to configure or suppress it."""

        def run(*, principal: Principal) -> dict[str, Any]:
            return tools.explain_rule(rule_id)

        return await as_caller(run)

    @server.tool(annotations=WRITE)
    async def apply_ops(model_id: int, ops: list[dict[str, Any]]) -> dict[str, Any]:
        """Change a stored model with element ops (editor role), all or nothing, e.g.
        [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 3}},
         {"op": "add", "kind": "call", "id": "orders->payments", "value": {"timeout_ms": 800}},
         {"op": "remove", "kind": "datastore", "id": "legacy-db", "cascade": true}].
        Kinds: service api call event datastore broker team domain actor library saga route
        suppression model. Makes a new revision that open editors see at once; ops address
        elements, so concurrent edits of other elements or fields are kept."""
        return await as_caller(_apply_ops, model_id=model_id, ops=ops)

    for name, description, fn in MODEL_TOOLS:
        _add_model_tool(server, name, description, fn)

    _add_resources(server)
    return server


def _pick(principal: Principal, model_id: int | None, source: str | None) -> Any:
    if (model_id is None) == (source is None):
        raise tools.ToolProblem("give either model_id (a stored model) or source (a model's text)")
    if source is not None:
        return tools.load_source(source, limits=model_limits())
    return _model(principal, model_id or 0)


def _add_model_tool(server: MCPServer, name: str, description: str, fn: Any) -> None:
    async def tool(model_id: int, options: dict[str, Any] | None = None) -> Any:
        def run(*, principal: Principal) -> Any:
            return fn(_model(principal, model_id), **(options or {}))

        return await as_caller(run)

    server.add_tool(tool, name=name, description=description, annotations=READ_ONLY)


async def _resource(fn: Callable[..., str], **kwargs: Any) -> str:
    try:
        return await as_caller(fn, **kwargs)
    except ToolError as exc:
        raise ResourceError(str(exc)) from None


def _add_resources(server: MCPServer) -> None:
    @server.resource("workbench://models", name="models", mime_type="application/json")
    async def models() -> str:
        """The models of your token's workspace."""
        return await _resource(lambda principal: json.dumps(_list_models(principal=principal)))

    @server.resource("workbench://models/{model_id}", name="model", mime_type="application/yaml")
    async def model(model_id: str) -> str:
        """A stored model's current document (canonical YAML)."""
        return await _resource(_get_model, model_id=_int(model_id))

    @server.resource(
        "workbench://models/{model_id}/findings", name="findings", mime_type="application/json"
    )
    async def findings(model_id: str) -> str:
        """The findings of a stored model's current revision."""

        def run(*, principal: Principal) -> str:
            report = tools.check(_model(principal, _int(model_id)))
            return json.dumps(report, indent=2, ensure_ascii=False)

        return await _resource(run)

    @server.resource("workbench://rules", name="rules", mime_type="application/json")
    async def rules() -> str:
        """The rule catalog."""
        return await _resource(lambda principal: json.dumps(tools.rule_list(), indent=2))

    @server.resource("workbench://rules/{rule_id}", name="rule", mime_type="application/json")
    async def rule(rule_id: str) -> str:
        """One rule's documentation."""
        return await _resource(lambda principal: json.dumps(tools.explain_rule(rule_id), indent=2))


def _int(value: str) -> int:
    """A model id from a URI; anything else is an id no model has (so: not found)."""
    return int(value) if value.isdigit() else 0
