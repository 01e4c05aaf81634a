"""Escaping model text for each diagram language: nothing from the model can become syntax.

Model text (titles, descriptions, labels) is first cleaned as for Graphviz (control characters
and bidi overrides dropped) and put on one line; then, per language:

- Mermaid: every character outside a small safe set (and ``:``) is written as Mermaid's entity code
  ``#<decimal>;`` (so ``"``, ``<``, ``|``, ``]``, backticks, ``%%`` cannot end a label, open
  HTML or start a comment), and the whole label is quoted.
- PlantUML: the same with HTML numeric entities ``&#<decimal>;`` (so ``"``, ``$``, ``%``, ``!``,
  ``[[``, ``<`` cannot reach the preprocessor, a link or Creole markup).
- Structurizr DSL: a double-quoted string with ``\\`` and ``"`` escaped and ``${`` broken
  (``$ {``): the DSL substitutes ``${NAME}`` from constants and the environment.
- LikeC4: a single-quoted string with ``\\`` and ``'`` escaped.

Identifiers are never model text: they are element ids (``^[a-z][a-z0-9-]*$``) mapped to
``[a-z0-9_]`` with a prefix, so they cannot collide with a keyword.
"""

from __future__ import annotations

import re

from apps.diagrams.render.escape import clean

_SPACE = re.compile(r"\s+")
_SAFE = re.compile(r"[\w ,.:/()+=@'-]", re.UNICODE)  # shown as is in Mermaid and PlantUML


def one_line(text: str | None) -> str:
    """Model text cleaned and on one line (newlines and tabs become spaces)."""
    return _SPACE.sub(" ", clean(text or "")).strip()


def _entities(text: str, fmt: str, unsafe: str = "_") -> str:
    out = []
    for ch in text:
        if (_SAFE.fullmatch(ch) and ch not in unsafe) or ch.isalnum():
            out.append(ch)
        else:
            out.append(fmt.format(ord(ch)))
    return "".join(out)


def mermaid_text(text: str | None, *, lines: bool = False) -> str:
    """Label text for Mermaid (inside our quotes); with ``lines`` a newline becomes ``<br/>``."""
    parts = clean(text or "").split("\n") if lines else [one_line(text)]
    # ":" too: ":::class" would style a node if a label were ever left unquoted.
    return "<br/>".join(_entities(_SPACE.sub(" ", p).strip(), "#{};", "_:") for p in parts)


def plantuml_text(text: str | None, *, lines: bool = False) -> str:
    """Label text for PlantUML (inside our quotes); with ``lines`` a newline becomes ``\\n``."""
    parts = clean(text or "").split("\n") if lines else [one_line(text)]
    return "\\n".join(_entities(_SPACE.sub(" ", p).strip(), "&#{};") for p in parts)


def structurizr_string(text: str | None) -> str:
    body = one_line(text).replace("\\", "\\\\").replace('"', '\\"').replace("${", "$ {")
    return f'"{body}"'


def likec4_string(text: str | None) -> str:
    body = one_line(text).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{body}'"


def ident(element_id: str, prefix: str = "") -> str:
    """An identifier for an element id (or a synthetic one starting with ``_``)."""
    return prefix + re.sub(r"[^a-z0-9_]", "_", element_id.lower())
