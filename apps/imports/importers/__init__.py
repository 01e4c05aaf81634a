"""Importers: other descriptions of a system → a ``workbench/v1`` document and a report.

``import_files(kind, files, name=..., service=..., max_bytes=...)`` → ``(document, report)``;
raises ``ImportInputError`` (with file, line and what was expected) for input it cannot read.
Framework-free; nothing here fetches a URL, reads the environment or runs anything.
"""

from __future__ import annotations

from typing import Any

from .asyncapi import import_asyncapi
from .backstage import import_backstage
from .compose import import_compose
from .kubernetes import import_kubernetes
from .likec4 import import_likec4
from .microtosca import import_microtosca
from .openapi import import_openapi
from .report import ImportInputError, ImportReport, InputProblem, ReportItem
from .sources import DEFAULT_MAX_BYTES, SourceFile, check_size, read_paths
from .structurizr import import_structurizr

KINDS = (
    "compose",
    "kubernetes",
    "openapi",
    "asyncapi",
    "backstage",
    "microtosca",
    "structurizr",  # Structurizr DSL workspace (issue 17)
    "likec4",  # LikeC4 .c4 files (issue 17)
)
_SERVICE_KINDS = ("openapi", "asyncapi")

__all__ = [
    "KINDS",
    "ImportInputError",
    "ImportReport",
    "InputProblem",
    "ReportItem",
    "SourceFile",
    "import_files",
    "read_paths",
]


def import_files(
    kind: str,
    files: list[SourceFile],
    *,
    name: str | None = None,
    service: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    profiles: list[str] | None = None,
) -> tuple[dict[str, Any], ImportReport]:
    """``profiles``: compose only, the profiles to run (default: every service)."""
    if kind not in KINDS:
        raise ImportInputError.one(
            f"unknown import kind '{kind}'; choose one of {', '.join(KINDS)}", status=400
        )
    if not files:
        raise ImportInputError.one("no files to import", status=400)
    check_size(files, max_bytes)
    if kind == "openapi":
        return import_openapi(files, name=name, service=service)
    if kind == "asyncapi":
        return import_asyncapi(files, name=name, service=service)
    if kind == "compose":
        return import_compose(files, name=name, profiles=profiles)
    func = {
        "kubernetes": import_kubernetes,
        "backstage": import_backstage,
        "microtosca": import_microtosca,
        "structurizr": import_structurizr,
        "likec4": import_likec4,
    }[kind]
    return func(files, name=name)
