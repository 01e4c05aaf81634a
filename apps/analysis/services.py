"""Analysis for the API: a posted file (stateless, like ``/validate``) or a stored model, whose
analysis is cached by content hash like its typed model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from apps.archmodel import Model, load_model
from apps.rules.services import server_limits

from .report import analyse_model, simulate_model

_CACHE_SIZE = 32
_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def model_analyse_source(*, source: bytes) -> dict[str, Any]:
    """Load and analyse. Raises ``ModelInvalid``."""
    return analyse_model(load_model(source, limits=server_limits()))


def model_simulate_source(
    *, source: bytes, fail: list[str], slow: dict[str, float]
) -> dict[str, Any]:
    """Load and simulate. Raises ``ModelInvalid`` or ``SimulationError``."""
    return simulate_model(load_model(source, limits=server_limits()), fail, slow)


def model_simulate(*, model: Model, fail: list[str], slow: dict[str, float]) -> dict[str, Any]:
    """The simulate JSON of a stored model's typed model. Raises ``SimulationError``."""
    return simulate_model(model, fail, slow)


def model_analysis(*, model: Model, content_hash: str) -> dict[str, Any]:
    """The analyse JSON of a stored model's document; same hash, same answer (a finding's
    expiry aside, which only moves at midnight), so it is computed once per revision."""
    with _lock:
        hit = _cache.get(content_hash)
        if hit is not None:
            _cache.move_to_end(content_hash)
            return hit
    result = analyse_model(model)
    with _lock:
        _cache[content_hash] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result
