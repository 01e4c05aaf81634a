"""The diagram renderer: framework-free (no Django), a `Model` and findings in, a picture out.

    from apps.diagrams.render import Filters, render
    result = render(model, "dependencies", findings=report.findings, fmt="svg",
                    filters=Filters(domain="ordering"))
    result.content  # bytes: SVG (sanitised, ids on every node/edge), PNG, or our DOT source

Views: context, dependencies, events, data, teams, and journey (one journey's tree, from the
resilience analysis; ``Filters(journey=<id>)``) (see `views`). Findings come from the rule
engine and are only drawn here (`overlay`). Graphviz runs as a subprocess with a time limit
(`engine`); its SVG is sanitised and annotated (`svg`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from apps.archmodel.loader import gc_paused
from apps.archmodel.types import Model

from .dot import Layout, choose_layout, dot_lines, to_dot
from .engine import GraphvizRun, run_graphviz
from .errors import DiagramError, DiagramInputError, RenderFailed, RenderTimeout
from .filters import Filters, apply_filters
from .graph import Diagram
from .overlay import FindingLike, apply_blast_radius, apply_findings
from .svg import SvgFinisher, svg_is_safe
from .views import (
    ALL_VIEWS,
    BUILDERS,
    JOURNEY_VIEW,
    TEAMS_SUMMARY_ABOVE,
    VIEWS,
    journey_title,
    journey_view,
    teams_summary_view,
)

if TYPE_CHECKING:
    from apps.analysis.analysis import Analysis

FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "dot": "text/vnd.graphviz; charset=utf-8",
}

__all__ = [
    "ALL_VIEWS",
    "FORMATS",
    "JOURNEY_VIEW",
    "VIEWS",
    "Diagram",
    "DiagramError",
    "DiagramInputError",
    "Filters",
    "RenderFailed",
    "RenderResult",
    "RenderTimeout",
    "build_diagram",
    "diagram_dot",
    "journey_analysis",
    "render",
    "svg_is_safe",
]


@dataclass(slots=True)
class RenderResult:
    content: bytes
    media_type: str
    view: str
    fmt: str
    engine: str
    nodes: int
    edges: int
    timings: dict[str, float] = field(default_factory=dict)  # build, layout, post (seconds)


DIRECTIONS = ("TB", "LR")


def build_diagram(
    model: Model,
    view: str,
    *,
    findings: Iterable[FindingLike] | None = None,
    filters: Filters | None = None,
    symbols: bool = True,
    blast: tuple[list[dict[str, Any]], int] | None = None,
    analysis: Analysis | None = None,
) -> Diagram:
    """The diagram as data: view built, filter applied, findings drawn; with ``blast`` (the
    analysis' blast-radius rows and the number of journeys) nodes coloured by blast radius.
    The journey view reads ``analysis`` (computed here when not given) and draws no findings."""
    if view == JOURNEY_VIEW:
        return _journey_diagram(model, filters, symbols, blast, analysis)
    if view not in BUILDERS:
        raise DiagramInputError(f"unknown view {view!r}; choose one of {', '.join(ALL_VIEWS)}")
    if filters is not None and filters.journey:
        raise DiagramInputError("journey= is only for the journey view (view=journey)")
    builder = BUILDERS[view]
    if (
        view == "teams"
        and not (filters and filters.active)
        and len(model.services) > TEAMS_SUMMARY_ABOVE
    ):
        builder = teams_summary_view
    diagram = builder(model, symbols=symbols)
    _direct(diagram, filters)
    diagram.title = f"{model.title or model.name} — {VIEWS[view]}"
    if filters is not None and filters.active:
        apply_filters(diagram, model, filters)
        label = (
            f"domain {filters.domain}"
            if filters.domain
            else f"team {filters.team}"
            if filters.team
            else f"{filters.focus} ± {filters.hops}"
        )
        diagram.title += f" ({label})"
    if findings is not None:
        apply_findings(diagram, findings, model_name=model.name)
    if blast is not None:
        apply_blast_radius(diagram, blast[0], blast[1])
    return diagram


def _direct(diagram: Diagram, filters: Filters | None) -> None:
    if filters is not None and filters.direction is not None:
        if filters.direction not in DIRECTIONS:
            raise DiagramInputError(
                f"unknown direction {filters.direction!r}; choose one of {', '.join(DIRECTIONS)}"
            )
        diagram.rankdir = filters.direction


def journey_analysis(model: Model) -> Analysis:
    """The model's analysis for the journey view; a model it refuses is a bad request."""
    from apps.analysis.report import analysis_of
    from apps.archmodel import ModelInvalid

    try:
        return analysis_of(model)
    except ModelInvalid as exc:
        raise DiagramInputError(exc.errors[0].message) from None


def _journey_diagram(
    model: Model,
    filters: Filters | None,
    symbols: bool,
    blast: tuple[list[dict[str, Any]], int] | None,
    analysis: Analysis | None,
) -> Diagram:
    if filters is not None and filters.active:
        raise DiagramInputError("the journey view takes no domain, team or focus filter")
    journey = filters.journey if filters is not None else None
    analysis = analysis or journey_analysis(model)
    diagram = journey_view(analysis, journey, symbols=symbols, colours=blast is None)
    _direct(diagram, filters)
    diagram.title = (
        f"{model.title or model.name} — Journey {journey_title(analysis, journey or '')}"
    )
    if blast is not None:
        apply_blast_radius(diagram, blast[0], blast[1])
    return diagram


def diagram_dot(diagram: Diagram, layout: Layout | None = None) -> tuple[str, Layout]:
    layout = layout or choose_layout(len(diagram.nodes), len(diagram.edges), engine=diagram.engine)
    return to_dot(diagram, layout), layout


def render(
    model: Model,
    view: str,
    *,
    fmt: str = "svg",
    findings: Iterable[FindingLike] | None = None,
    filters: Filters | None = None,
    symbols: bool = True,
    timeout: float = 30.0,
    blast: tuple[list[dict[str, Any]], int] | None = None,
    analysis: Analysis | None = None,
) -> RenderResult:
    """Draw one view of `model` as SVG, PNG or DOT (the DOT is our source, before layout).

    For SVG and PNG, Graphviz starts first and takes the DOT as it is written (see `engine`):
    our building and writing overlap with its start-up and parsing. `timeout` covers it all.
    """
    if fmt not in FORMATS:
        raise DiagramInputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if view not in ALL_VIEWS:
        raise DiagramInputError(f"unknown view {view!r}; choose one of {', '.join(ALL_VIEWS)}")
    t0 = time.perf_counter()
    build = partial(
        build_diagram,
        model,
        view,
        findings=findings,
        filters=filters,
        symbols=symbols,
        blast=blast,
        analysis=analysis,
    )
    if fmt == "dot":
        diagram = build()
        source, layout = diagram_dot(diagram)
        t1 = t2 = t3 = time.perf_counter()
        content = source.encode("utf-8")
    else:
        with GraphvizRun(fmt, timeout=timeout) as run:
            # Graphviz waits for this part: it makes thousands of small acyclic objects, which
            # the cyclic collector would otherwise stop to walk (with the whole model) mid-way.
            with gc_paused():
                diagram = build()
                layout = choose_layout(
                    len(diagram.nodes), len(diagram.edges), engine=diagram.engine
                )
                run.write_all(dot_lines(diagram, layout))
            t1 = time.perf_counter()
            finisher = SvgFinisher(diagram) if fmt == "svg" else None
            try:
                raw = run.finish(finisher.feed if finisher else None)
            except RenderTimeout:
                raise
            except RenderFailed:
                if not (layout.engine == "dot" and layout.clusters and diagram.clusters):
                    raise
                # dot sometimes gives up on large clustered graphs; the same graph without
                # clusters is drawn reliably, and each node's label still names its group.
                layout = layout.flat()
                raw = run_graphviz(to_dot(diagram, layout), fmt, timeout=timeout)
                finisher = SvgFinisher(diagram) if fmt == "svg" else None
                if finisher:
                    finisher.feed(raw)
        t2 = time.perf_counter()
        # The SVG was sanitised and annotated as it arrived; `close` puts it together.
        content = finisher.close() if finisher else raw
        t3 = time.perf_counter()
    return RenderResult(
        content=content,
        media_type=FORMATS[fmt],
        view=view,
        fmt=fmt,
        engine=layout.engine,
        nodes=len(diagram.nodes),
        edges=len(diagram.edges),
        timings={"build": t1 - t0, "layout": t2 - t1, "post": t3 - t2},
    )
