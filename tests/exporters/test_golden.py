"""Golden files for the shop example's key outputs. Regenerate with
``UPDATE_GOLDEN=1 pytest tests/exporters/test_golden.py`` and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.archmodel import Model
from exporters import export_bundle

GOLDEN = Path(__file__).parents[1] / "golden" / "exporters" / "shop"
FILES = [
    "compose.yaml",
    ".env.example",
    "services/gateway/nginx.conf",
    "services/orders/Dockerfile",
    "services/orders/app/spec.json",
    "kubernetes/base/kustomization.yaml",
    "kubernetes/base/services/orders/deployment.yaml",
    "kubernetes/base/services/orders/networkpolicy.yaml",
    "kubernetes/base/services/catalog/hpa.yaml",
]


@pytest.mark.parametrize("path", FILES)
def test_shop_export_matches_the_golden_files(shop: Model, path: str) -> None:
    content = export_bundle(shop).files[path]
    golden = GOLDEN / path.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(content)
    assert golden.exists(), "missing golden file; run with UPDATE_GOLDEN=1"
    assert content == golden.read_bytes()


# A Go service of the model with every kind: its image recipe, its model view and its pins.
GO_FILES = ["services/golang/Dockerfile", "services/golang/spec.json", "services/golang/go.mod"]


@pytest.mark.parametrize("path", GO_FILES)
def test_go_service_export_matches_the_golden_files(everything: Model, path: str) -> None:
    content = export_bundle(everything).files[path]
    golden = GOLDEN.with_name("everything") / path.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(content)
    assert golden.exists(), "missing golden file; run with UPDATE_GOLDEN=1"
    assert content == golden.read_bytes()
