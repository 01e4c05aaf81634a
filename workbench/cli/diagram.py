"""``workbench diagram FILE --view V --format svg -o OUT``: draw one view of a model file.

``--format mermaid|structurizr|likec4|plantuml`` writes the diagram as code instead
(``apps.diagrams.code``): Mermaid and PlantUML for any view, Structurizr DSL and LikeC4 the
whole model as C4 (``--view context`` or ``dependencies``).

Findings from the rule engine are drawn on the picture (``--no-findings`` to leave them out);
``--colour blast-radius`` fills each element by the share of journeys its failure fails.
``--view journey --journey ID`` draws one journey's dependency tree (docs/analysis.md), coloured
by latency against its target; it draws no findings.
Exit 0 when drawn, 2 for an invalid model, a bad option or a Graphviz failure.
"""

from __future__ import annotations

import argparse
import sys

from apps.archmodel import ModelInvalid

from .common import EXIT_INVALID, EXIT_OK, fail, load_or_report, print_errors


def register(sub: argparse._SubParsersAction) -> None:
    from apps.diagrams.code import CODE_FORMATS
    from apps.diagrams.render import ALL_VIEWS, FORMATS

    p = sub.add_parser(
        "diagram",
        help="draw a view of a model file (SVG, PNG, DOT; Mermaid, Structurizr, LikeC4, PlantUML)",
    )
    p.add_argument("file", help="model file (YAML or JSON), or - for stdin")
    p.add_argument("--view", choices=tuple(ALL_VIEWS), default="dependencies")
    p.add_argument(
        "--journey",
        help="the journey of --view journey (its id; workbench analyse lists them)",
    )
    p.add_argument("--format", choices=(*FORMATS, *CODE_FORMATS), default="svg")
    p.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--domain", help="only this domain (its partners drawn faded)")
    group.add_argument("--team", help="only this team (its partners drawn faded)")
    group.add_argument("--focus", help="only the neighbourhood of this element")
    p.add_argument("--hops", type=int, default=1, help="neighbourhood size for --focus")
    p.add_argument("--no-findings", action="store_true", help="do not run the rules")
    p.add_argument(
        "--colour",
        choices=("findings", "blast-radius"),
        default="findings",
        help="blast-radius: fill each element by the share of journeys its failure fails "
        "(workbench analyse); findings are then not drawn",
    )
    p.add_argument("--text-marks", action="store_true", help="words instead of ◷ ↻ ⚡ marks")
    p.add_argument("--timeout", type=float, default=120.0, help="Graphviz time limit (s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from apps.diagrams.code import CODE_FORMATS, render_code
    from apps.diagrams.render import DiagramError, Filters, render

    model = load_or_report(args.file)
    if isinstance(model, int):
        return model
    findings = None
    blast = None
    analysis = None
    journey_view = args.view == "journey"
    if args.journey and not journey_view:
        return fail("--journey is only for --view journey")
    if args.colour == "blast-radius" or journey_view:
        from apps.analysis.report import analysis_of

        try:
            analysis = analysis_of(model)
        except ModelInvalid as exc:
            print_errors(args.file, exc)
            return EXIT_INVALID
        if args.colour == "blast-radius":
            blast = (analysis.blast_radius, len(analysis.journeys))
    elif not args.no_findings:
        from apps.rules.engine import check_model

        try:
            findings = check_model(model).findings
        except ModelInvalid as exc:
            print_errors(args.file, exc)
            return EXIT_INVALID
    filters = Filters(
        domain=args.domain,
        team=args.team,
        focus=args.focus,
        hops=args.hops,
        journey=args.journey,
    )
    if args.format in CODE_FORMATS:
        try:
            text = render_code(model, args.view, args.format, findings=findings, filters=filters)
        except ValueError as exc:
            return fail(str(exc))
        return _write(args, text.encode("utf-8"), f"{args.view} view as {args.format}")
    try:
        result = render(
            model,
            args.view,
            fmt=args.format,
            findings=findings,
            filters=filters,
            symbols=not args.text_marks,
            timeout=args.timeout,
            blast=blast,
            analysis=analysis,
        )
    except DiagramError as exc:
        return fail(str(exc))
    return _write(
        args,
        result.content,
        f"{args.view} view, {result.nodes} nodes, {result.edges} edges ({result.engine})",
    )


def _write(args: argparse.Namespace, content: bytes, what: str) -> int:
    if args.output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        try:
            with open(args.output, "wb") as fh:
                fh.write(content)
        except OSError as exc:
            return fail(f"cannot write {args.output}: {exc.strerror}")
        sys.stderr.write(f"{args.output}: {what}\n")
    return EXIT_OK
