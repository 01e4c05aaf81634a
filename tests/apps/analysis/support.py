"""Small models for the analysis tests, and a seeded generator of random ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from apps.archmodel import load_model, model_from_data
from apps.archmodel.types import Model

MINI = (Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml").read_text()


def mini() -> Model:
    return load_model(MINI)


def model(**parts: Any) -> Model:
    return model_from_data({"apiVersion": "workbench/v1", "name": "t", **parts})


def mini_doc() -> dict[str, Any]:
    return yaml.safe_load(MINI)
