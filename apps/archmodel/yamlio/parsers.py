"""Which YAML parser reads a file, and what happens when libyaml refuses deep nesting itself.

Both readers of the project (the model's, ``reader``, and the importers',
``apps.imports.importers.reader``) walk the parser's events and enforce their own nesting limit,
so that a too-deep file gets the same ``limit`` error, at the same place, whatever is installed.
libyaml 0.2.5 and newer (bundled with PyYAML 6.0.4's wheels) also stop at their own depth
(1,000 levels) with a scanner error, "exceeded maximum nesting depth", and in flow style
(``[[[[``) they scan ahead and stop *before* the reader sees the level where its own, lower limit
applies. When that happens the reader reads again with the pure-Python parser, which has no
depth limit of its own, only the part the parser had read (``depth_prefix``): that part is
deeper than the reader's limit, so the reader's own error is the one the user sees.
"""

from __future__ import annotations

from typing import Any

import yaml

PURE: Any = yaml.SafeLoader
# The reader looks this up at each read, so tests can swap the parser in.
FAST: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def refused_for_depth(exc: yaml.YAMLError) -> bool:
    """True when the parser itself gave up on the nesting depth (libyaml >= 0.2.5)."""
    return isinstance(exc, yaml.MarkedYAMLError) and "maximum nesting depth" in (exc.problem or "")


def depth_prefix(text: str, exc: yaml.MarkedYAMLError) -> str:
    """The text up to where the parser gave up (its marks count characters)."""
    mark = exc.problem_mark or exc.context_mark
    return text if mark is None else text[: mark.index + 1]
