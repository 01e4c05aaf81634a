"""Events other parts (websocket consumers) relay to browsers.

Group: ``model_group(id)`` == ``f"model-{id}"``. Event, sent after the write commits::

    {"type": "model.changed", "model": <id>, "revision": <n>, "author": "ada" | "token:ci",
     "ops": [...] | None,   # None: the whole document was replaced (import, revert)
     "summary": ["updated service 'orders': replicas", ...],
     "base": <n - 1>,
     "delta": {...} | None} # revision n's document as its change from revision n - 1's
                            # (apps.archmodel.delta); None when large: fetch the model

An editor at revision ``base`` applies ``delta`` (static/js/editor/model.js ``applyDelta``)
and has the document at ``revision`` without asking for it; one at any other revision fetches.

Delivery is best effort: a failing channel layer is logged and never fails the write.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

MODEL_CHANGED = "model.changed"


def model_group(architecture_id: int) -> str:
    return f"model-{architecture_id}"


def model_changed_event(
    *,
    architecture_id: int,
    revision: int,
    author: str,
    ops: list[Any] | None,
    summary: list[str],
    delta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": MODEL_CHANGED,
        "model": architecture_id,
        "revision": revision,
        "author": author,
        "ops": ops,
        "summary": summary,
        "base": revision - 1,
        "delta": delta,
    }


def broadcast_model_changed(**kwargs: Any) -> None:
    event = model_changed_event(**kwargs)
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(model_group(event["model"]), event)
    except Exception:
        # Ids only: the event carries model content, which must not reach the logs.
        log.warning(
            "could not broadcast %s for model %s revision %s",
            MODEL_CHANGED,
            event["model"],
            event["revision"],
            exc_info=True,
        )
