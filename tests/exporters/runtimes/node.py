"""The Node.js skeleton: ``npm ci`` from its committed package-lock.json, then ``node server.js``.

The installed tree is cached under ``var/cache/node-<lock digest>`` (npm's own download cache
next to it), so only the first run of a lock downloads anything; each service directory gets a
``node_modules`` symlink to it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..runner import CACHE
from . import LAUNCHERS


def node_modules(service_dir: Path) -> Path:
    """The cached install of ``service_dir``'s lock (made by ``npm ci`` on first use)."""
    lock = (service_dir / "package-lock.json").read_bytes()
    target = CACHE / f"node-{hashlib.sha256(lock).hexdigest()[:16]}"
    if (target / ".complete").exists():
        return target / "node_modules"
    work = CACHE / f"{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(service_dir / name, work / name)
    result = subprocess.run(
        ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--cache", str(CACHE / "npm")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        pytest.skip(f"npm ci failed for the node skeleton: {result.stderr[-2000:]}")
    (work / ".complete").write_text("")
    if not (target / ".complete").exists():  # another worker may have finished first
        shutil.rmtree(target, ignore_errors=True)
        try:
            work.rename(target)
        except OSError:
            if not (target / ".complete").exists():
                raise
    shutil.rmtree(work, ignore_errors=True)
    return target / "node_modules"


def launch(service_dir: Path) -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node or npm is not installed")
    link = service_dir / "node_modules"
    if link.is_symlink() and not link.exists():  # the cache was cleared since
        link.unlink()
    if not link.exists():
        link.symlink_to(node_modules(service_dir), target_is_directory=True)
    return [node, "server.js"]


LAUNCHERS["node"] = launch
