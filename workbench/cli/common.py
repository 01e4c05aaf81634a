"""Helpers shared by the CLI commands: reading model files and printing errors."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from apps.archmodel import Limits, Model, ModelInvalid, load_model

EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2


def limits_from_env() -> Limits:
    """The CLI runs on trusted files, but honours the server's limits when they are set."""
    return Limits(
        max_bytes=int(os.environ.get("WORKBENCH_MAX_MODEL_BYTES", 64 * 1024 * 1024)),
        max_elements=int(os.environ.get("WORKBENCH_MAX_ELEMENTS", 1_000_000)),
    )


def read_source(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


class CliError(Exception):
    """A usage or I/O problem: printed as one line, exit code 2."""


def load_file(path: str) -> Model:
    """Load a model file; raises ModelInvalid or CliError."""
    try:
        source = read_source(path)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    return load_model(source, limits=limits_from_env())


def load_or_report(path: str, *, fmt: str = "text", shown_as: str | None = None) -> Model | int:
    """The model in ``path``; when it cannot be read or is invalid, print why (as ``shown_as``)
    and return the exit code for the command to return."""
    try:
        return load_file(path)
    except CliError as exc:
        return fail(str(exc))
    except ModelInvalid as exc:
        print_errors(shown_as or path, exc, fmt)
        return EXIT_INVALID


def print_errors(path: str, exc: ModelInvalid, fmt: str = "text", stream: Any = None) -> None:
    stream = stream or (sys.stdout if fmt == "json" else sys.stderr)
    if fmt == "json":
        out = {
            "errors": [
                {
                    "pointer": e.pointer,
                    "line": e.line,
                    "column": e.column,
                    "message": e.message,
                    "kind": e.kind,
                }
                for e in exc.errors
            ]
        }
        stream.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return
    for e in exc.errors:
        where = f"{path}:{e.line}:{e.column}" if e.line else path
        stream.write(f"{where}: {e.kind}: {e.message} [{e.pointer or '/'}]\n")
    stream.write(f"{len(exc.errors)} error(s)\n")


def fail(message: str) -> int:
    sys.stderr.write(f"workbench: {message}\n")
    return EXIT_INVALID
