"""``workbench drift MODEL --against compose.yaml|DIR [--format text|json]``: compare a model
with a compose file or Kubernetes manifests. Exit 0 no drift, 1 drift, 2 bad input."""

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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drift", help="compare a model with a compose file or Kubernetes manifests")
    p.add_argument("model", help="model file (workbench/v1)")
    p.add_argument(
        "--against",
        nargs="+",
        required=True,
        help="compose file, or Kubernetes manifest files / folder",
    )
    p.add_argument("--kind", choices=("compose", "kubernetes"), help="default: detected")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_or_report(args.model, fmt=args.format)
    if isinstance(model, int):
        return model
    max_bytes = limits_from_env().max_bytes
    try:
        files = read_paths(args.against, max_bytes)
        deployed, _report = import_files(
            args.kind or deployment_kind(files), files, max_bytes=max_bytes
        )
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
