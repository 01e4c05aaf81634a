"""Presence: who has a model open in the editor and what each one has selected.

Kept in the cache (Redis when ``REDIS_URL`` is set, so every web process sees the same list;
process-local otherwise, like the in-memory channel layer) under one key per model: a mapping
of websocket connection → entry. Every entry carries its own expiry; a client pings every
``HEARTBEAT`` seconds, so a connection that vanished without a clean disconnect (a killed
process) drops out after ``TTL`` seconds. Read-modify-write runs under a short cache lock so two
connections joining at once cannot lose each other.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache

TTL = 60  # seconds an entry lives without a heartbeat
HEARTBEAT = 20  # how often clients ping (seconds); well under TTL
_LOCK_TIMEOUT = 5


def _key(architecture_id: int) -> str:
    return f"editor:presence:{architecture_id}"


@contextmanager
def _locked(architecture_id: int) -> Any:
    lock = _key(architecture_id) + ":lock"
    deadline = time.monotonic() + _LOCK_TIMEOUT
    while not cache.add(lock, 1, timeout=_LOCK_TIMEOUT):
        if time.monotonic() > deadline:  # a holder died: its lock expires on its own anyway
            break
        time.sleep(0.005)
    try:
        yield
    finally:
        cache.delete(lock)


def _live(entries: dict[str, dict[str, Any]], now: float) -> dict[str, dict[str, Any]]:
    return {conn: e for conn, e in entries.items() if e.get("expires", 0) > now}


def _public(entries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """What clients see: one row per connection, without expiry bookkeeping, stable order."""
    rows = [
        {"conn": conn, "user": e["user"], "role": e["role"], "selected": e.get("selected")}
        for conn, e in entries.items()
    ]
    return sorted(rows, key=lambda r: (r["user"], r["conn"]))


def presence_update(
    *,
    architecture_id: int,
    conn: str,
    user: str | None = None,
    role: str | None = None,
    selected: Any = ...,
) -> list[dict[str, Any]]:
    """Adds or refreshes a connection's entry (``selected=...`` keeps the current selection)
    and returns everyone present."""
    now = time.time()
    with _locked(architecture_id):
        entries = _live(cache.get(_key(architecture_id)) or {}, now)
        entry = dict(entries.get(conn) or {"user": user or "?", "role": role or "viewer"})
        if user is not None:
            entry["user"] = user
        if role is not None:
            entry["role"] = role
        if selected is not ...:
            entry["selected"] = selected
        entry["expires"] = now + TTL
        entries[conn] = entry
        cache.set(_key(architecture_id), entries, timeout=TTL * 2)
    return _public(entries)


def presence_remove(*, architecture_id: int, conn: str) -> list[dict[str, Any]]:
    """Drops a connection's entry; returns who is left."""
    now = time.time()
    with _locked(architecture_id):
        entries = _live(cache.get(_key(architecture_id)) or {}, now)
        entries.pop(conn, None)
        if entries:
            cache.set(_key(architecture_id), entries, timeout=TTL * 2)
        else:
            cache.delete(_key(architecture_id))
    return _public(entries)


def presence_list(*, architecture_id: int) -> list[dict[str, Any]]:
    return _public(_live(cache.get(_key(architecture_id)) or {}, time.time()))
