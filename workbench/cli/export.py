"""``workbench export FILE --target all -o bundle.zip``: the export job's bundle, offline.

Same library as the server's export jobs (``exporters``), no Django: the zip is byte-identical
to the one a job builds from the same model. Exit 0 ok, 2 invalid model / unsafe value / usage.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile

from .common import EXIT_INVALID, EXIT_OK, fail, load_or_report


def register(sub: argparse._SubParsersAction) -> None:
    from exporters import TARGET_CHOICES

    p = sub.add_parser(
        "export",
        help="export a runnable bundle (docker compose, kubernetes) or the architecture document (docs)",
    )
    p.add_argument("file", help="model file (YAML or JSON), or - for stdin")
    p.add_argument("--target", choices=TARGET_CHOICES, default="all")
    p.add_argument("-o", "--output", help="zip file to write (default: <name>-<target>.zip)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exporters import ExportError, export_bundle

    model = load_or_report(args.file)
    if isinstance(model, int):
        return model
    try:
        bundle = export_bundle(model, target=args.target)
    except ExportError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{args.file}: {problem}\n")
        return EXIT_INVALID
    except ValueError as exc:
        # A value the model core let through but an exporter cannot carry: a bad model, said
        # in one line (never a traceback).
        return fail(f"{args.file}: cannot export: {exc}")
    data = bundle.to_zip()
    output = args.output or f"{bundle.name}.zip"
    directory = os.path.dirname(os.path.abspath(output))
    # Write next to the target and rename: a reader never sees a half-written zip.
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, output)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        return fail(f"cannot write {output}: {exc.strerror}")
    if not args.quiet:
        digest = hashlib.sha256(data).hexdigest()
        sys.stdout.write(
            f"{output}: {len(bundle.files)} files, {len(data)} bytes, sha256 {digest}\n"
        )
    return EXIT_OK
