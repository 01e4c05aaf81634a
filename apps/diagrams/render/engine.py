"""Running Graphviz: one subprocess per drawing, DOT on stdin, a hard time limit.

`GraphvizRun` starts the process *before* the DOT exists and takes the DOT a piece at a time:
Graphviz loads its plugins while we build the diagram, and parses each piece while we write the
next, so on a large diagram most of our own work hides behind Graphviz's. The layout engine is
named in the DOT itself (the `layout` graph attribute), so the process can start before the
diagram's size, and so its engine, is known.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from typing import IO, cast

from .errors import RenderFailed, RenderTimeout

ENGINES = ("dot", "sfdp", "neato", "fdp")
GRAPHVIZ_FORMATS = {"svg": "svg", "png": "png"}
# A PNG is scaled down to fit this many inches at 96 dpi (8,000 px): a bitmap of a 1,000-node
# layout at full size would take minutes to rasterise and be unusable anyway; SVG has no cap.
PNG_ARGS = ("-Gdpi=96", "-Gsize=83,83")
CHUNK = 1 << 14  # bytes handed to Graphviz at a time: small enough that it parses as we write


class GraphvizRun:
    """One Graphviz process: `write` DOT text as it is produced, then `finish` for the output.

    The time limit runs from the start: a timer kills the process when it passes, which also
    unblocks a write that Graphviz stopped reading. Graphviz's messages go to a temporary file,
    not a pipe, so a chatty Graphviz can never block while we are still writing. Use it as a
    context manager (or call `abort`) so a failure on our side never leaves a process behind.
    """

    def __init__(self, fmt: str, *, engine: str = "dot", timeout: float = 30.0) -> None:
        if engine not in ENGINES:
            raise RenderFailed(f"unknown Graphviz engine {engine!r}")
        if fmt not in GRAPHVIZ_FORMATS:
            raise RenderFailed(f"Graphviz cannot draw {fmt!r}")
        binary = shutil.which(engine)
        if binary is None:
            raise RenderFailed(f"Graphviz '{engine}' is not installed on the server")
        self.timeout = timeout
        self.expired = False
        self._pending: list[str] = []
        self._pending_size = 0
        self._broken = False
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish/abort
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell; DOT goes through stdin
                [binary, f"-T{GRAPHVIZ_FORMATS[fmt]}", *(PNG_ARGS if fmt == "png" else ())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise RenderFailed(f"Graphviz could not be started: {exc.strerror}") from None
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def __enter__(self) -> GraphvizRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def _expire(self) -> None:
        self.expired = True
        self._proc.kill()

    def write(self, text: str) -> None:
        """Queue DOT text; it is handed over CHUNK bytes at a time, as Graphviz reads it."""
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= CHUNK:
            self._flush()

    def write_all(self, pieces: Iterable[str]) -> None:
        for piece in pieces:
            self.write(piece)

    def _flush(self) -> None:
        data = "".join(self._pending).encode("utf-8")
        self._pending.clear()
        self._pending_size = 0
        if self._broken or not data:
            return
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            # Graphviz stopped reading: it failed on the input (its message says why) or was
            # killed at the time limit. `finish` reports which.
            self._broken = True

    def finish(self, sink: Callable[[bytes], None] | None = None) -> bytes:
        """Close the input, wait for the drawing; RenderTimeout / RenderFailed with a message.

        With a `sink`, each piece of output is handed to it as Graphviz writes it (so it can be
        processed while Graphviz is still drawing), and the return value is empty.
        """
        self._flush()
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):  # BrokenPipeError: Graphviz stopped early
            self._proc.stdin.close()
        output, received = b"", False
        try:
            # Graphviz's messages go to a file, so reading its one output pipe cannot deadlock.
            assert self._proc.stdout is not None
            if sink is None:
                output = self._proc.stdout.read()
            else:
                stdout = cast(io.BufferedReader, self._proc.stdout)
                while piece := stdout.read1(CHUNK):
                    received = True
                    sink(piece)
            self._proc.stdout.close()
            self._proc.wait()
        finally:
            self._timer.cancel()
        try:
            if self.expired:
                raise RenderTimeout(
                    f"Graphviz took longer than {self.timeout:g}s; draw a filtered view "
                    "(domain, team or focus)"
                )
            if self._proc.returncode != 0 or not (output or received):
                self._stderr.seek(0)
                lines = self._stderr.read(4096).decode("utf-8", "replace").strip().splitlines()
                reason = lines[0][:200] if lines else f"exit code {self._proc.returncode}"
                raise RenderFailed(f"Graphviz failed: {reason}")
            return output
        finally:
            self._stderr.close()

    def abort(self) -> None:
        """Stop the process if it is still running (after an error on our side)."""
        self._timer.cancel()
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(OSError):
                    pipe.close()
        if not self._stderr.closed:
            self._stderr.close()


def run_graphviz(dot_source: str, fmt: str, *, engine: str = "dot", timeout: float = 30.0) -> bytes:
    """Lay out and draw `dot_source`; raises RenderTimeout / RenderFailed with a short message."""
    with GraphvizRun(fmt, engine=engine, timeout=timeout) as run:
        run.write(dot_source)
        return run.finish()
