"""``workbench drift MODEL --against FILE|DIR [--against FILE]... [--env-file F] [--profile P]
[--format text|json]``: compare a model with a compose project (one or several files merged)
or Kubernetes manifests. Exit 0 no drift, 1 drift, 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys

from apps.imports.drift import deployment_kind, drift, drift_text
from apps.imports.importers import ImportInputError, import_files, read_paths

from .common import (
    EXIT_FAIL,
    EXIT_INVALID,
    EXIT_OK,
    limits_from_env,
    load_or_report,
)
from .import_ import add_compose_options, read_inputs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drift", help="compare a model with a compose file or Kubernetes manifests")
    p.add_argument("model", help="model file (workbench/v1)")
    p.add_argument(
        "--against",
        nargs="+",
        action="extend",
        required=True,
        help="compose files (repeat --against for an override file: merged in order, as "
        "'docker compose -f' does), or Kubernetes manifest files / folder",
    )
    p.add_argument("--kind", choices=("compose", "kubernetes"), help="default: detected")
    add_compose_options(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_or_report(args.model, fmt=args.format)
    if isinstance(model, int):
        return model
    max_bytes = limits_from_env().max_bytes
    try:
        kind = args.kind or deployment_kind(read_paths(args.against, max_bytes))
        files = read_inputs(kind, args.against, args.env_file, max_bytes)
        deployed, _report = import_files(kind, files, max_bytes=max_bytes, profiles=args.profile)
    except ImportInputError as exc:
        for p in exc.problems:
            sys.stderr.write(f"workbench drift: {p}\n")
        return EXIT_INVALID
    items = drift(model.document, deployed)
    if args.format == "json":
        out = {"drift": bool(items), "count": len(items), "items": [i.as_dict() for i in items]}
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(drift_text(items))
    return EXIT_FAIL if items else EXIT_OK
