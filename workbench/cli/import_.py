"""``workbench import --from KIND FILE... [-o model.yaml] [--name NAME] [--service ID]
[--env-file F]... [--profile P]...``: read other descriptions into a workbench/v1 model (stdout
or -o); the report goes to stderr (``--report json``: the report, or the errors, as JSON).
Exit 0 imported, 2 unreadable input. Nothing named in the files is fetched or run."""

from __future__ import annotations

import argparse
import json
import sys

from apps.archmodel import dump_yaml
from apps.imports.importers import KINDS, ImportInputError, import_files, read_paths
from apps.imports.importers.sources import with_env_files

from .common import EXIT_INVALID, EXIT_OK, limits_from_env


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import compose/kubernetes/openapi/asyncapi/backstage/microtosca files into a model",
    )
    p.add_argument("--from", dest="kind", choices=KINDS, required=True)
    p.add_argument(
        "files",
        nargs="+",
        help="files, or a folder (Kubernetes/kustomize); compose: several files are merged in "
        "order, later ones overriding earlier ones, as 'docker compose -f a -f b' does",
    )
    p.add_argument("-o", "--output", help="write the model here (default: stdout)")
    p.add_argument("--name", help="model name (default: from the input)")
    p.add_argument("--service", help="OpenAPI/AsyncAPI: the service that provides it")
    add_compose_options(p)
    p.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="report format on stderr (json: errors too)",
    )
    p.set_defaults(func=run)


def add_compose_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--env-file",
        action="append",
        metavar="FILE",
        help="compose: variables for ${VAR} (repeatable); default: the .env beside the first "
        "file, as Compose reads it. The machine's environment is never read",
    )
    p.add_argument(
        "--profile",
        action="append",
        metavar="NAME",
        help="compose: import only services without profiles or in these (repeatable); "
        "default: every service of every profile",
    )


def read_inputs(kind: str, paths: list[str], env_files: list[str] | None, max_bytes: int) -> list:
    if kind == "compose":
        return with_env_files(paths, env_files, max_bytes)
    if env_files:
        raise ImportInputError.one("--env-file is for compose imports only", status=400)
    return read_paths(paths, max_bytes)


def run(args: argparse.Namespace) -> int:
    max_bytes = limits_from_env().max_bytes
    try:
        files = read_inputs(args.kind, args.files, args.env_file, max_bytes)
        document, report = import_files(
            args.kind,
            files,
            name=args.name,
            service=args.service,
            max_bytes=max_bytes,
            profiles=args.profile,
        )
    except ImportInputError as exc:
        if args.report == "json":
            sys.stderr.write(json.dumps(exc.as_dict(), indent=2) + "\n")
        else:
            for p in exc.problems:
                sys.stderr.write(f"workbench import: {p}\n")
        return EXIT_INVALID
    text = dump_yaml(document)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if args.report == "json":
        sys.stderr.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        sys.stderr.write(report.as_text())
    return EXIT_OK
