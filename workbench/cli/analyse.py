"""``workbench analyse MODEL`` and ``workbench simulate MODEL --fail ID --slow ID=MS``: the
resilience analysis of ANALYSIS.md, offline (no Django import).

Exit codes: ``analyse`` 1 when a journey is over target; ``simulate`` 1 when a journey fails;
both 2 for an invalid model or bad arguments (an unknown id, an id that is not a service,
datastore or broker, a slowdown that is not a number of ms > 0)."""

from __future__ import annotations

import argparse
import json
import sys

from apps.archmodel import ModelInvalid

from .common import EXIT_INVALID, fail, load_or_report, print_errors


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "analyse",
        help="journeys against their latency and availability budgets, and the blast radius",
        description="Analyse a model's journeys (declared, else implicit): nominal and worst "
        "latency, availability, status against target, blast radius and the journey rules. "
        "Exit 0 ok, 1 a journey is over target, 2 invalid model.",
    )
    a.add_argument("file", metavar="MODEL", help="model file (YAML or JSON), or - for stdin")
    a.add_argument("--format", choices=("text", "json"), default="text")
    a.set_defaults(func=run_analyse)
    s = sub.add_parser(
        "simulate",
        help="what if elements fail or slow down: journey states, paths and amplification",
        description="Simulate failed and slowed elements. Exit 0 no journey failed, 1 a "
        "journey failed, 2 invalid model or arguments.",
    )
    s.add_argument("file", metavar="MODEL", help="model file (YAML or JSON), or - for stdin")
    s.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="ID[,ID]",
        help="services, datastores or brokers that are down (repeatable)",
    )
    s.add_argument(
        "--slow",
        action="append",
        default=[],
        metavar="ID=MS[,ID=MS]",
        help="add MS milliseconds to an element's own latency (repeatable)",
    )
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(func=run_simulate)


def _json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def run_analyse(args: argparse.Namespace) -> int:
    from apps.analysis.report import analyse_exit_code, analyse_model
    from apps.analysis.text import analysis_text

    model = load_or_report(args.file, fmt=args.format)
    if isinstance(model, int):
        return model
    try:
        result = analyse_model(model)
    except ModelInvalid as exc:
        print_errors(args.file, exc, args.format)
        return EXIT_INVALID
    if args.format == "json":
        _json(result)
    else:
        sys.stdout.write(analysis_text(result, model=model.name))
    return analyse_exit_code(result)


def run_simulate(args: argparse.Namespace) -> int:
    from apps.analysis import SimulationError
    from apps.analysis.report import parse_scenario, simulate_exit_code, simulate_model
    from apps.analysis.text import simulation_text

    try:
        failing, slowed = parse_scenario(args.fail, args.slow)
    except SimulationError as exc:
        return fail(str(exc))
    model = load_or_report(args.file, fmt=args.format)
    if isinstance(model, int):
        return model
    try:
        result = simulate_model(model, failing, slowed)
    except ModelInvalid as exc:
        print_errors(args.file, exc, args.format)
        return EXIT_INVALID
    except SimulationError as exc:
        return fail(str(exc))
    if args.format == "json":
        _json(result)
    else:
        sys.stdout.write(simulation_text(result, fail=failing, slow=slowed, model=model.name))
    return simulate_exit_code(result)
