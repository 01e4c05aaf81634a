"""Shared test helpers: where the example models are."""

from __future__ import annotations

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
