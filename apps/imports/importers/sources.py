"""The files an import reads: a name (a path relative to the upload or folder) and bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .report import ImportInputError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
READABLE = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    content: bytes


def check_size(files: list[SourceFile], max_bytes: int) -> None:
    total = 0
    for f in files:
        total += len(f.content)
        if total > max_bytes:
            raise ImportInputError.one(
                f"the input is over {max_bytes:,} bytes (WORKBENCH_MAX_MODEL_BYTES); "
                "import fewer or smaller files",
                f.name,
                status=413,
            )


def read_paths(paths: list[str], max_bytes: int = DEFAULT_MAX_BYTES) -> list[SourceFile]:
    """Files named on a command line; a folder stands for the YAML/JSON files inside it (and
    below it), never following a link out of it."""
    out: list[SourceFile] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            root = p.resolve()
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for fname in sorted(filenames):
                    full = Path(dirpath) / fname
                    if not fname.lower().endswith(READABLE):
                        continue
                    real = full.resolve()
                    if root not in real.parents:
                        continue  # a symlink out of the folder
                    out.append(
                        SourceFile(real.relative_to(root).as_posix(), _read(real, max_bytes))
                    )
        else:
            try:
                out.append(SourceFile(p.name if len(paths) == 1 else path, _read(p, max_bytes)))
            except FileNotFoundError:
                raise ImportInputError.one("no such file", path) from None
    check_size(out, max_bytes)
    return out


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportInputError.one(
                f"the file is {size:,} bytes; the limit is {max_bytes:,} "
                "(WORKBENCH_MAX_MODEL_BYTES)",
                str(path),
                status=413,
            )
        with open(path, "rb") as fh:
            return fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise ImportInputError.one("is a directory", str(path)) from None
    except PermissionError:
        raise ImportInputError.one("permission denied", str(path)) from None


def with_env_files(
    paths: list[str], env_files: list[str] | None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[SourceFile]:
    """Compose files named on a command line and their variables, as ``docker compose`` reads
    them: the ``--env-file`` files if any are given, else the ``.env`` beside the first file
    (when there is one). Env files are passed on as files named ``.env`` / ``*.env``."""
    files = read_paths(paths, max_bytes)
    if len(paths) == 1 and Path(paths[0]).is_file():
        # keep the folder: Compose names a project after it (shop/docker-compose.yml → shop)
        folder = Path(paths[0]).resolve().parent.name
        files = [SourceFile(f"{folder}/{f.name}" if folder else f.name, f.content) for f in files]
    names = list(env_files or [])
    if not names and paths and Path(paths[0]).is_file():
        beside = Path(paths[0]).parent / ".env"
        if beside.is_file():
            names = [str(beside)]
    for name in names:
        content = _read_env(Path(name), max_bytes)
        label = (
            name if name.endswith(".env") or Path(name).name.startswith(".env") else (f"{name}.env")
        )
        files.append(SourceFile(label, content))
    check_size(files, max_bytes)
    return files


def _read_env(path: Path, max_bytes: int) -> bytes:
    try:
        return _read(path, max_bytes)
    except FileNotFoundError:
        raise ImportInputError.one("no such env file", str(path)) from None
