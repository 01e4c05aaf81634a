"""Running Graphviz: one subprocess per drawing, DOT on stdin, a hard time limit."""

from __future__ import annotations

import shutil
import subprocess

from .errors import RenderFailed, RenderTimeout

ENGINES = ("dot", "sfdp", "neato", "fdp")
GRAPHVIZ_FORMATS = {"svg": "svg", "png": "png"}
# A PNG is scaled down to fit this many inches at 96 dpi (8,000 px): a bitmap of a 1,000-node
# layout at full size would take minutes to rasterise and be unusable anyway; SVG has no cap.
PNG_ARGS = ("-Gdpi=96", "-Gsize=83,83")


def run_graphviz(dot_source: str, fmt: str, *, engine: str = "dot", timeout: float = 30.0) -> bytes:
    """Lay out and draw `dot_source`; raises RenderTimeout / RenderFailed with a short message."""
    if engine not in ENGINES:
        raise RenderFailed(f"unknown Graphviz engine {engine!r}")
    binary = shutil.which(engine)
    if binary is None:
        raise RenderFailed(f"Graphviz '{engine}' is not installed on the server")
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell; DOT goes through stdin
            [binary, f"-T{GRAPHVIZ_FORMATS[fmt]}", *(PNG_ARGS if fmt == "png" else ())],
            input=dot_source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeout(
            f"Graphviz took longer than {timeout:g}s; draw a filtered view (domain, team or focus)"
        ) from None
    except OSError as exc:
        raise RenderFailed(f"Graphviz could not be started: {exc.strerror}") from None
    if proc.returncode != 0 or not proc.stdout:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        reason = first[0][:200] if first else f"exit code {proc.returncode}"
        raise RenderFailed(f"Graphviz failed: {reason}")
    return proc.stdout
