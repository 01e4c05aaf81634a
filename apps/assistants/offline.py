"""``workbench mcp``: the MCP server over stdio, offline, on model files. No Django.

An assistant names a model by ``path`` (relative to the root folder, by default the working
directory; nothing outside it is read or written) or passes its text as ``source``. Resources:
``workbench://rules`` and ``workbench://rules/{rule_id}``, and for each model file found under the
root (or named on the command line) ``workbench://files/<path>`` (canonical YAML) and
``workbench://findings/<path>`` (the rule engine's findings).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations

from apps.archmodel import Limits, Model, dump_yaml

from . import tools
from .analysis import MODEL_TOOLS

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
MODEL_SUFFIXES = (".yaml", ".yml", ".json")
SCAN_LIMIT = 200  # model files listed as resources


class Files:
    """Model files under one root folder; every path an assistant gives is resolved inside it."""

    def __init__(self, root: Path, limits: Limits):
        self.root = root.resolve()
        self.limits = limits

    def resolve(self, path: str) -> Path:
        full = (self.root / path).resolve()
        if full != self.root and self.root not in full.parents:
            raise tools.ToolProblem(
                f"{path!r} is outside the folder this server serves ({self.root})"
            )
        return full

    def read(self, path: str) -> bytes:
        full = self.resolve(path)
        try:
            size = full.stat().st_size
            if size > self.limits.max_bytes:
                raise tools.ToolProblem(
                    f"{path} is {size:,} bytes; the limit is {self.limits.max_bytes:,}"
                )
            return full.read_bytes()
        except OSError as exc:
            raise tools.ToolProblem(f"cannot read {path}: {exc.strerror}") from None

    def model(self, path: str | None, source: str | None) -> Model:
        if (path is None) == (source is None):
            raise tools.ToolProblem("give either path (a model file) or source (the model's text)")
        text: str | bytes = source if source is not None else self.read(path or "")
        return tools.load_source(text, limits=self.limits)

    def models(self, named: list[str]) -> list[str]:
        """Relative paths of the model files to list as resources: those named on the command
        line, else the workbench/v1 files in the root and one folder below it."""
        if named:
            return [str(self.resolve(p).relative_to(self.root)) for p in named]
        found: list[str] = []
        for pattern in ("*", "*/*"):
            for p in sorted(self.root.glob(pattern)):
                if p.suffix not in MODEL_SUFFIXES or not p.is_file() or p.name.startswith("."):
                    continue
                try:
                    with p.open("rb") as fh:
                        head = fh.read(4096)
                except OSError:
                    continue
                if b"workbench/v1" in head:
                    found.append(str(p.relative_to(self.root)))
                if len(found) >= SCAN_LIMIT:
                    return found
        return found


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except tools.ToolProblem as exc:
        raise ToolError(str(exc)) from None


def build_server(*, root: str | os.PathLike[str] = ".", files: list[str] | None = None,
                 limits: Limits) -> MCPServer:  # fmt: skip
    """The offline server for the model files under ``root``."""
    fs = Files(Path(root), limits)
    server: MCPServer = MCPServer(
        "workbench",
        title="Architecture Workbench (offline)",
        instructions=(
            "Tools for workbench/v1 architecture model files: validate, check against the "
            "architecture rules, draw diagrams (SVG, DOT, Mermaid, Structurizr, LikeC4, "
            "PlantUML), export deployment bundles, explain a rule. Name a model by its path "
            f"relative to {fs.root} or pass its YAML as source."
        ),
        log_level="WARNING",
    )

    @server.tool(annotations=READ_ONLY)
    def validate_model(path: str | None = None, source: str | None = None) -> dict[str, Any]:
        """Check that a model follows the workbench/v1 format: every error with its JSON
        pointer, line and column. Give path (a model file) or source (the YAML/JSON text)."""
        if (path is None) == (source is None):
            raise ToolError("give either path (a model file) or source (the model's text)")
        text = source if source is not None else _call(fs.read, path or "")
        return tools.validate_source(text, limits=fs.limits)

    @server.tool(annotations=READ_ONLY)
    def check_model(
        path: str | None = None, source: str | None = None, fail_on: str = "error"
    ) -> dict[str, Any]:
        """Run the architecture rules on a model: findings with rule, severity, target, message
        and fix; passed is false when a finding at or above fail_on (error|warning|info) is not
        suppressed."""
        return _call(tools.check, _call(fs.model, path, source), fail_on=fail_on)

    @server.tool(annotations=READ_ONLY)
    def draw_diagram(
        view: str = "dependencies",
        format: str = "svg",
        path: str | None = None,
        source: str | None = None,
        domain: str | None = None,
        team: str | None = None,
        focus: str | None = None,
        hops: int = 1,
    ) -> str:
        """Draw a view of a model (views: context, dependencies, events, data, teams) as text:
        svg or dot (Graphviz, findings marked; filters domain/team/focus+hops), or diagrams as
        code: mermaid (any view), structurizr and likec4 (the whole model as C4),
        plantuml (any view)."""
        model = _call(fs.model, path, source)
        return _call(
            tools.diagram, model, view=view, fmt=format, domain=domain, team=team, focus=focus,
            hops=hops,
        )  # fmt: skip

    @server.tool()
    def export_bundle(
        target: str = "all",
        path: str | None = None,
        source: str | None = None,
        output: str | None = None,
    ) -> dict[str, Any]:
        """Build the deployment bundle (target compose|kubernetes|all, or docs: the architecture document) of a model: its files
        (small text files inline), the zip's size and sha256. With output (a .zip path under the
        server's folder) the zip is written there."""
        model = _call(fs.model, path, source)
        summary, data = _call(tools.export, model, target=target)
        if output is not None:
            dest = _call(fs.resolve, output)
            if dest.suffix != ".zip":
                raise ToolError("output must be a .zip file")
            tmp = dest.with_name(f".{dest.name}.tmp")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, dest)
            except OSError as exc:
                raise ToolError(f"cannot write {output}: {exc.strerror}") from None
            summary["written"] = str(dest.relative_to(fs.root))
        return summary

    @server.tool(annotations=READ_ONLY)
    def format_model(path: str | None = None, source: str | None = None) -> str:
        """The model in canonical workbench/v1 YAML (what `workbench fmt` prints)."""
        return dump_yaml(_call(fs.model, path, source))

    @server.tool(annotations=READ_ONLY)
    def explain_rule(rule_id: str) -> dict[str, Any]:
        """A rule's documentation: why it matters, a failing and a passing model, how to fix
        it, its thresholds and how to configure or suppress it."""
        return _call(tools.explain_rule, rule_id)

    for name, description, fn in MODEL_TOOLS:
        _add_model_tool(server, fs, name, description, fn)

    @server.resource("workbench://rules", name="rules", mime_type="application/json")
    def rules() -> str:
        """The rule catalog."""
        return json.dumps(tools.rule_list(), indent=2)

    @server.resource("workbench://rules/{rule_id}", name="rule", mime_type="application/json")
    def rule(rule_id: str) -> str:
        """One rule's documentation."""
        try:
            return json.dumps(tools.explain_rule(rule_id), indent=2)
        except tools.ToolProblem as exc:
            raise ResourceError(str(exc)) from None

    for rel in fs.models(list(files or [])):
        _add_file_resources(server, fs, rel)
    return server


def _add_model_tool(server: MCPServer, fs: Files, name: str, description: str, fn: Any) -> None:
    def tool(
        path: str | None = None, source: str | None = None, options: dict[str, Any] | None = None
    ) -> Any:
        return _call(fn, _call(fs.model, path, source), **(options or {}))

    server.add_tool(tool, name=name, description=description, annotations=READ_ONLY)


def _add_file_resources(server: MCPServer, fs: Files, rel: str) -> None:
    uri_path = rel.replace(os.sep, "/")

    def read_model() -> str:
        try:
            return dump_yaml(fs.model(rel, None))
        except tools.ToolProblem as exc:
            raise ResourceError(str(exc)) from None

    def read_findings() -> str:
        try:
            return json.dumps(tools.check(fs.model(rel, None)), indent=2, ensure_ascii=False)
        except tools.ToolProblem as exc:
            raise ResourceError(str(exc)) from None

    server.resource(
        f"workbench://files/{uri_path}", name=f"model {uri_path}", mime_type="application/yaml"
    )(read_model)
    server.resource(
        f"workbench://findings/{uri_path}",
        name=f"findings of {uri_path}",
        mime_type="application/json",
    )(read_findings)
