"""``workbench check FILE``: run the architecture rules and report findings.

Offline and in-process by default (no Django import); with ``--server`` the file is POSTed to
``/api/v1/validate`` of a workbench server instead (urllib, token from ``--token`` or
``WORKBENCH_TOKEN``). Exit 0 passed, 1 findings at or above ``--fail-on``, 2 invalid model,
bad configuration or usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

from apps.archmodel import ModelError, ModelInvalid

from .common import (
    EXIT_FAIL,
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    fail,
    load_file,
    print_errors,
    read_source,
)

FORMATS = ("text", "json", "sarif", "junit")
SEVERITIES = ("error", "warning", "info")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check a model against the architecture rules",
        description="Check a workbench/v1 model against the rule catalog. Exit 0 "
        "passed, 1 findings at or above --fail-on, 2 invalid model.",
    )
    p.add_argument("file", help="model file (YAML or JSON), or - for stdin")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="error",
        dest="fail_on",
        help="lowest severity that fails the check (default: error)",
    )
    p.add_argument(
        "--path", default=None, help="file path used in SARIF/JUnit/text locations (default: FILE)"
    )
    p.add_argument(
        "--server",
        default=os.environ.get("WORKBENCH_SERVER"),
        help="check on a workbench server (e.g. https://workbench.example.com)",
    )
    p.add_argument(
        "--token",
        default=os.environ.get("WORKBENCH_TOKEN"),
        help="API token for --server (default: $WORKBENCH_TOKEN)",
    )
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.set_defaults(func=run)


def _colour(args: argparse.Namespace) -> bool:
    if args.color != "auto":
        return args.color == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run(args: argparse.Namespace) -> int:
    path = args.path or ("workbench.yaml" if args.file == "-" else args.file)
    if args.server:
        return _run_remote(args, path)
    from apps.rules.engine import check_model
    from apps.rules.formats import render, report_text

    try:
        model = load_file(args.file)
        report = check_model(model)
    except CliError as exc:
        return fail(str(exc))
    except ModelInvalid as exc:
        print_errors(path, exc, "json" if args.format == "json" else "text")
        return EXIT_INVALID
    if args.format == "text":
        out = report_text(report, fail_on=args.fail_on, path=path, colour=_colour(args))
    else:
        out = render(report, args.format, fail_on=args.fail_on, path=path)
    sys.stdout.write(out)
    return EXIT_OK if report.passed(args.fail_on) else EXIT_FAIL


def _run_remote(args: argparse.Namespace, path: str) -> int:
    try:
        source = read_source(args.file)
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}")
    base = args.server.rstrip("/")
    url = (
        base
        if base.endswith("/validate")
        else (base + ("/validate" if base.endswith("/api/v1") else "/api/v1/validate"))
    )
    fmt = "json" if args.format == "text" else args.format
    query = urllib.parse.urlencode({"format": fmt, "fail_on": args.fail_on, "path": path})
    is_json = args.file.endswith(".json")
    headers = {
        "Content-Type": "application/json" if is_json else "application/yaml",
        "Accept": "application/json, application/sarif+json, application/xml",
        "User-Agent": "workbench-cli",
    }
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    req = urllib.request.Request(  # noqa: S310 (the user's own server URL)
        f"{url}?{query}", data=source, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310 (the user's URL)
            body = resp.read().decode("utf-8")
            passed = resp.headers.get("X-Workbench-Passed", "true") == "true"
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        if exc.code == 422:
            try:
                errors = [
                    ModelError(
                        e.get("pointer", ""),
                        e.get("message", ""),
                        e.get("kind", "value"),
                        e.get("line"),
                        e.get("column"),
                    )
                    for e in json.loads(body).get("errors", [])
                ]
            except (ValueError, AttributeError):
                errors = [ModelError("", body)]
            print_errors(path, ModelInvalid(errors), "json" if args.format == "json" else "text")
            return EXIT_INVALID
        detail = body
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(body).get("detail", body)
        return fail(f"server answered {exc.code}: {detail}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return fail(f"cannot reach {url}: {getattr(exc, 'reason', exc)}")
    if args.format == "text":
        from apps.rules.findings import Finding, Report
        from apps.rules.formats import report_text

        data = json.loads(body)
        report = Report(
            model=data.get("model", ""),
            disabled=data.get("disabled", []),
            findings=[Finding(**f) for f in data.get("findings", [])],
        )
        sys.stdout.write(report_text(report, fail_on=args.fail_on, path=path, colour=_colour(args)))
        passed = report.passed(args.fail_on)
    else:
        sys.stdout.write(body)
    return EXIT_OK if passed else EXIT_FAIL
