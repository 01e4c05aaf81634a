from __future__ import annotations

import time

from django.core.cache import cache

from apps.editor import presence


def setup_function() -> None:
    cache.clear()


def test_an_entry_without_heartbeat_expires_after_the_ttl(monkeypatch) -> None:
    presence.presence_update(architecture_id=1, conn="a", user="ada", role="editor")
    now = time.time()
    monkeypatch.setattr(presence.time, "time", lambda: now + presence.TTL + 1)
    assert presence.presence_list(architecture_id=1) == []


def test_an_update_keeps_the_selection_unless_told_otherwise() -> None:
    presence.presence_update(architecture_id=1, conn="a", user="ada", role="editor", selected="x")
    rows = presence.presence_update(architecture_id=1, conn="a")
    assert rows == [{"conn": "a", "user": "ada", "role": "editor", "selected": "x"}]


def test_removing_the_last_connection_empties_the_model() -> None:
    presence.presence_update(architecture_id=2, conn="a", user="ada", role="viewer")
    presence.presence_update(architecture_id=2, conn="b", user="bob", role="viewer")
    assert [r["user"] for r in presence.presence_remove(architecture_id=2, conn="a")] == ["bob"]
    assert presence.presence_remove(architecture_id=2, conn="b") == []
