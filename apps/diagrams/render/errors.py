"""What can go wrong when drawing, split by who can fix it."""

from __future__ import annotations


class DiagramError(Exception):
    """Base class; `str(exc)` is a message fit for an API response."""


class DiagramInputError(DiagramError, ValueError):
    """The request cannot be drawn as asked: unknown view, format or filter value (HTTP 422)."""


class RenderFailed(DiagramError):
    """Graphviz is missing, failed or gave invalid output (HTTP 503)."""


class RenderTimeout(RenderFailed):
    """Graphviz did not finish within the time limit (HTTP 503)."""
