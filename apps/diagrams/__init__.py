"""Diagrams: Graphviz views of an architecture model, with the rule engine's findings drawn on them.

`render/` is framework-free (a `Model` and findings in, DOT/SVG/PNG out); `services.py` adds the
Django cache and the Celery hand-off for large models; `api.py` exposes both over HTTP.
"""
