"""Diagrams as code: a ``Model`` in, the source of another diagram language out (framework-free,
beside ``apps.diagrams.render``), for the places that render them (git hosts and wikis render
Mermaid; C4 users live in Structurizr and LikeC4).

    render_code(model, "dependencies", "mermaid", findings=report.findings, filters=Filters())

- ``mermaid``: a flowchart of any Graphviz view (the same ``Diagram``: filters and findings
  apply), for the dependencies, events and data views above all.
- ``plantuml``: the same views as a PlantUML component diagram.
- ``structurizr`` (DSL) and ``likec4``: the whole model as C4 (people, the system and its
  containers, external systems, their relationships) with a landscape and a containers view;
  ``view`` may be ``context`` or ``dependencies`` and the filters do not apply.

Model text is escaped for each language (``text``). ``import --from structurizr|likec4`` reads
these languages back (``apps.imports.importers``).
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.archmodel.types import Model
from apps.diagrams.render import VIEWS, Filters, build_diagram
from apps.diagrams.render.overlay import FindingLike

from . import likec4, mermaid, plantuml, structurizr

CODE_FORMATS: dict[str, str] = {
    "mermaid": "text/vnd.mermaid; charset=utf-8",
    "structurizr": "text/plain; charset=utf-8",
    "likec4": "text/plain; charset=utf-8",
    "plantuml": "text/plain; charset=utf-8",
}
C4_VIEWS = ("context", "dependencies")
CODE_VIEWS: dict[str, tuple[str, ...]] = {
    "mermaid": tuple(VIEWS),
    "plantuml": tuple(VIEWS),
    "structurizr": C4_VIEWS,
    "likec4": C4_VIEWS,
}

__all__ = ["CODE_FORMATS", "CODE_VIEWS", "render_code"]


def render_code(
    model: Model,
    view: str,
    fmt: str,
    *,
    findings: Iterable[FindingLike] | None = None,
    filters: Filters | None = None,
) -> str:
    """The diagram source; ValueError (with a message for people) for a view or filter the
    language cannot express, or an unknown format."""
    if fmt not in CODE_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CODE_FORMATS)}")
    if view not in CODE_VIEWS[fmt]:
        raise ValueError(
            f"{fmt} draws the views {', '.join(CODE_VIEWS[fmt])}"
            + (
                " (the whole model as C4: a landscape and a containers view)"
                if fmt in ("structurizr", "likec4")
                else ""
            )
            + f", not {view!r}"
        )
    if fmt in ("structurizr", "likec4"):
        if filters is not None and filters.active:
            raise ValueError(f"{fmt} writes the whole model; filters do not apply")
        return (
            structurizr.to_structurizr(model) if fmt == "structurizr" else likec4.to_likec4(model)
        )
    if filters is not None and filters.active:
        filters.validate(model)
    diagram = build_diagram(model, view, findings=findings, filters=filters)
    return mermaid.to_mermaid(diagram) if fmt == "mermaid" else plantuml.to_plantuml(diagram)
