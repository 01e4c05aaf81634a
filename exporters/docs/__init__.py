"""The ``docs`` target: the architecture document, generated from the model.

    bundle = docs_bundle(model)   # html/ (a self-contained static site) and markdown/

``html/``: one page per topic and per service, ``style.css`` (print-friendly: "print to PDF"
gives a clean document), ``diagrams/<view>.svg`` drawn by Graphviz; no script, no external
asset, a Content-Security-Policy that allows neither. ``markdown/``: the same pages for git hosts
and wikis, with the views as Mermaid blocks. Deterministic (same model, same bytes); model text
is escaped everywhere (``writers``); every internal link points at a page and anchor the bundle
has. Content: overview and context, services (owner, APIs and operations, calls with their
resilience, events, data, deployment and health, observability, findings), communication, data
ownership and sagas, gateway routes and service identity, fault tolerance and scaling,
monitoring and logging, the technology stack, and the decisions (suppressions) as a log.
"""

from __future__ import annotations

from .bundle_docs import docs_bundle

__all__ = ["docs_bundle"]
