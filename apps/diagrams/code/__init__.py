"""Diagrams as code: a ``Model`` in, the text of another diagram language out (framework-free).

Placeholder while the renderers are written.
"""

from __future__ import annotations

from apps.archmodel.types import Model

CODE_FORMATS: tuple[str, ...] = ()


def render_code(model: Model, view: str, fmt: str) -> str:
    raise ValueError(f"unknown format {fmt!r}")
