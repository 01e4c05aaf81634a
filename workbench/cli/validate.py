"""``workbench validate FILE``: exit 0 when the model is valid, 2 with every error otherwise."""

from __future__ import annotations

import argparse
import json
import sys

from .common import EXIT_OK, load_or_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check that a model file follows workbench/v1")
    p.add_argument("file", help="model file (YAML or JSON), or - for stdin")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_or_report(args.file, fmt=args.format)
    if isinstance(model, int):
        return model
    if args.format == "json":
        sys.stdout.write(json.dumps({"errors": []}) + "\n")
    else:
        counts = f"{len(model.services)} services, {len(model.events)} events, {len(model.datastores)} datastores"
        sys.stdout.write(f"{args.file}: valid workbench/v1 model '{model.name}' ({counts})\n")
    return EXIT_OK
