"""The ``workbench`` command line: the same core as the server, offline.

Each subcommand is a module here exposing ``register(subparsers)``; it adds its parser and sets
``func(args) -> int`` (the exit code). Nothing here imports Django unless a command needs it,
so ``workbench validate`` starts fast in CI.

Exit codes: 0 ok, 1 findings/not canonical/drift/journey over target or failed, 2 invalid
model or usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, in the order `workbench --help` lists them.
COMMANDS = ("fmt", "validate", "check", "analyse", "diagram", "export", "import_", "drift", "mcp")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Model, validate, draw and export microservice architectures (workbench/v1).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # that command is not built yet
            raise
        module.register(sub)  # a module may add several commands (analyse adds simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
