"""Checking models for the CI API and the pages: source or stored model in, report out.

A stored model's report is computed once per revision (content hash) and day in this process:
after an edit the editor asks for the picture (which marks the findings) and the findings pane
at the same time, and both get the one report."""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict

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


_CACHE_SIZE = 16
_cache: OrderedDict[tuple[str, datetime.date], Report] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[tuple[str, datetime.date], threading.Lock] = {}


def model_check(
    *, model: Model, today: datetime.date | None = None, content_hash: str | None = None
) -> Report:
    """The report of a model. With ``content_hash`` (a stored model's typed model), computed
    once per hash and day and shared: treat it as read-only. Concurrent callers for the same
    revision wait for the one computing it rather than compute it again."""
    if content_hash is None:
        return check_model(model, today=today)
    key = (content_hash, today or datetime.date.today())
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is None:
            hit = check_model(model, today=key[1])
            with _cache_lock:
                _cache[key] = hit
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    with _cache_lock:
        _key_locks.pop(key, None)
    return hit
