"""``workbench mcp [FILE...] [--root DIR]``: an MCP server over stdio for AI assistants, offline.

Tools: validate_model, check_model, draw_diagram, export_bundle, format_model, explain_rule
(and the analysis' tools once they exist); resources: the rule catalog and the model files.
Paths are resolved inside ``--root`` (default: the working directory). Configure it in an MCP
client as the command ``workbench mcp``; see docs/mcp.md. Logs go to stderr, never stdout
(stdout carries the protocol).
"""

from __future__ import annotations

import argparse

from .common import EXIT_OK, limits_from_env


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help="serve the tools to AI assistants over MCP (stdio)")
    p.add_argument("files", nargs="*", help="model files to offer as resources (default: found)")
    p.add_argument(
        "--root", default=".", help="folder the server may read and write in (default: .)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from apps.assistants.offline import build_server

    server = build_server(root=args.root, files=args.files, limits=limits_from_env())
    server.run("stdio")
    return EXIT_OK
