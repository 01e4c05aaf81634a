"""Checking models for the CI API and the pages: source or stored model in, report out."""

from __future__ import annotations

import datetime

from django.conf import settings

from apps.archmodel import Limits, Model, load_model

from .engine import check_model
from .findings import Report


def server_limits() -> Limits:
    return Limits(
        max_bytes=settings.WORKBENCH_MAX_MODEL_BYTES, max_elements=settings.WORKBENCH_MAX_ELEMENTS
    )


def model_check_source(*, source: bytes, today: datetime.date | None = None) -> Report:
    """Load (YAML or JSON) and check. Raises ``ModelInvalid`` for a bad model or configuration."""
    model = load_model(source, limits=server_limits())
    return check_model(model, today=today)


def model_check(*, model: Model, today: datetime.date | None = None) -> Report:
    return check_model(model, today=today)
