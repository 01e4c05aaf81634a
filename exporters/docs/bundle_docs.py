"""Putting the document together: findings, diagrams, pages, both writers."""

from __future__ import annotations

from collections.abc import Callable

from apps.archmodel.types import Model
from exporters.bundle import Bundle

from .content import Image, build_pages
from .writers import CSS, page_path, to_html, to_markdown

VIEWS = ("context", "dependencies", "events", "data", "teams")
MERMAID_VIEWS = VIEWS  # the Markdown shows every view as Mermaid


def docs_bundle(
    model: Model,
    *,
    diagrams: bool = True,
    timeout: float = 120.0,
    progress: Callable[[int, str], None] | None = None,
) -> Bundle:
    """The document of ``model``; ``diagrams=False`` leaves the Graphviz SVGs out (tests)."""
    from apps.diagrams.code import render_code
    from apps.diagrams.render import VIEWS as TITLES
    from apps.diagrams.render import render
    from apps.rules.engine import check_model

    report = progress or (lambda pct, msg: None)
    report(5, "checking the rules")
    findings = check_model(model).findings
    bundle = Bundle(name=f"{model.name}-docs")
    images: dict[str, Image] = {}
    for n, view in enumerate(VIEWS):
        report(10 + 50 * n // len(VIEWS), f"drawing {view}")
        src = f"diagrams/{view}.svg"
        if diagrams:
            svg = render(model, view, fmt="svg", findings=findings, timeout=timeout).content
            bundle.add(f"html/{src}", svg)
        mermaid = (
            render_code(model, view, "mermaid", findings=findings) if view in MERMAID_VIEWS else ""
        )
        images[view] = Image(src=src if diagrams else "", alt=str(TITLES[view]), mermaid=mermaid)
    report(65, "writing pages")
    pages = build_pages(
        model, findings, images if diagrams else {k: v for k, v in images.items() if v.mermaid}
    )
    title = model.title or model.name
    bundle.add("html/style.css", CSS.lstrip())
    for page in pages:
        bundle.add(f"html/{page_path(page.key, 'html')}", to_html(page, pages, title))
        bundle.add(f"markdown/{page_path(page.key, 'md')}", to_markdown(page))
    report(95, f"{len(bundle.files)} files")
    return bundle
