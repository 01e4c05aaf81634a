"""System checks for things outside Python that the workbench needs at run time."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.compatibility)
def check_graphviz_dot(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Diagrams are rendered by Graphviz's `dot`; without it every diagram request fails, so
    say so at startup rather than on the first click."""
    if shutil.which("dot"):
        return []
    return [
        Warning(
            "The Graphviz 'dot' binary was not found on PATH; diagrams cannot be rendered.",
            hint="Install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu) "
            "or 'brew install graphviz' (macOS).",
            id="workbench.W001",
        )
    ]
