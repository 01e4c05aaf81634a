"""``workbench import --from KIND FILE... [-o model.yaml] [--name NAME] [--service ID]``:
read other descriptions into a workbench/v1 model (stdout or -o); the report goes to stderr.
Exit 0 imported, 2 unreadable input. Nothing named in the files is fetched or run."""

from __future__ import annotations

import argparse
import json
import sys

from apps.archmodel import dump_yaml
from apps.imports.importers import KINDS, ImportInputError, import_files, read_paths

from .common import EXIT_INVALID, EXIT_OK, limits_from_env


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import compose/kubernetes/openapi/asyncapi/backstage/microtosca files into a model",
    )
    p.add_argument("--from", dest="kind", choices=KINDS, required=True)
    p.add_argument("files", nargs="+", help="files, or a folder (Kubernetes/kustomize)")
    p.add_argument("-o", "--output", help="write the model here (default: stdout)")
    p.add_argument("--name", help="model name (default: from the input)")
    p.add_argument("--service", help="OpenAPI/AsyncAPI: the service that provides it")
    p.add_argument(
        "--report", choices=("text", "json"), default="text", help="report format on stderr"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    max_bytes = limits_from_env().max_bytes
    try:
        files = read_paths(args.files, max_bytes)
        document, report = import_files(
            args.kind, files, name=args.name, service=args.service, max_bytes=max_bytes
        )
    except ImportInputError as exc:
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
