"""``workbench fmt FILE``: print the canonical YAML; ``--check`` exits 1 if FILE differs."""

from __future__ import annotations

import argparse
import sys

from apps.archmodel import dump_yaml

from .common import (
    EXIT_FAIL,
    EXIT_OK,
    load_or_report,
    read_source,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fmt", help="print a model file in canonical YAML")
    p.add_argument("file", help="model file (YAML or JSON), or - for stdin")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="exit 1 if FILE is not canonical; print nothing else"
    )
    mode.add_argument("-w", "--write", action="store_true", help="rewrite FILE in place")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_or_report(args.file)
    if isinstance(model, int):
        return model
    text = dump_yaml(model)
    if args.check:
        current = read_source(args.file) if args.file != "-" else None
        if current is not None and current.decode("utf-8", "replace") == text:
            return EXIT_OK
        sys.stderr.write(
            f"{args.file}: not in canonical form; run 'workbench fmt -w {args.file}'\n"
        )
        return EXIT_FAIL
    if args.write and args.file != "-":
        with open(args.file, "w", encoding="utf-8") as fh:
            fh.write(text)
        return EXIT_OK
    sys.stdout.write(text)
    return EXIT_OK
