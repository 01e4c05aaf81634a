"""How each non-Python runtime's skeleton is built and started here, without Docker.

``LAUNCHERS[runtime](service_dir)`` prepares the service (installs its locked dependencies,
compiles it) and returns the command that starts it in ``service_dir``; it raises
``pytest.skip`` when the toolchain is missing. Add a runtime by adding its module here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

LAUNCHERS: dict[str, Callable[[Path], list[str]]] = {}

# each module registers its launcher
from . import go, node  # noqa: E402, F401
