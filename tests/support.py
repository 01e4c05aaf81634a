"""Shared test helpers: where the example models are, and golden files."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_EXAMPLES = REPO.parent / "shared" / "examples"
DEMO_COPY = REPO / "apps" / "architectures" / "demo" / "shop.yaml"


def example_paths() -> list[Path]:
    """The contract's examples (../shared/examples) when present, else the copy in the repo."""
    if SHARED_EXAMPLES.is_dir():
        found = sorted(SHARED_EXAMPLES.glob("*.y*ml")) + sorted(SHARED_EXAMPLES.glob("*.json"))
        if found:
            return found
    return [DEMO_COPY]


def shop_path() -> Path:
    shared = SHARED_EXAMPLES / "shop.yaml"
    return shared if shared.exists() else DEMO_COPY


def assert_golden(actual: str | bytes, golden: Path) -> None:
    """``actual`` equals the golden file; ``UPDATE_GOLDEN=1`` (re)writes it instead, to review
    in the diff."""
    data = actual.encode() if isinstance(actual, str) else actual
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), f"missing golden file {golden.name}; run with UPDATE_GOLDEN=1"
    assert data == golden.read_bytes()
