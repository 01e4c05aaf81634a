"""Event rules: producers, consumers and idempotency."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="unconsumed-event",
    category="events",
    severity="warning",
    title="Unconsumed event",
    summary="An event with publishers and no subscriber.",
    fix="Remove it, or model the consumer.",
)
def unconsumed_event(ctx: Context) -> Iterator[Hit]:
    for e in ctx.model.events:
        pubs = sorted(set(ctx.publishers.get(e.id, ())))
        if pubs and not ctx.subscribers.get(e.id):
            yield Hit(
                e.id,
                [e.id, *pubs],
                f"event {e.id} is published by {', '.join(pubs)} but nobody subscribes",
                e.pointer,
            )


@rule(
    id="unproduced-event",
    category="events",
    severity="warning",
    title="Unproduced event",
    summary="An event with subscribers and no publisher.",
    fix="Model the producer, or mark it external.",
)
def unproduced_event(ctx: Context) -> Iterator[Hit]:
    for e in ctx.model.events:
        subs = sorted(set(ctx.subscribers.get(e.id, ())))
        if subs and not ctx.publishers.get(e.id):
            yield Hit(
                e.id,
                [e.id, *subs],
                f"event {e.id} is consumed by {', '.join(subs)} but nobody publishes it",
                e.pointer,
            )


@rule(
    id="orphan-event",
    category="events",
    severity="info",
    title="Orphan event",
    summary="An event with neither publishers nor subscribers.",
    fix="Remove it.",
)
def orphan_event(ctx: Context) -> Iterator[Hit]:
    for e in ctx.model.events:
        if not ctx.publishers.get(e.id) and not ctx.subscribers.get(e.id):
            yield Hit(e.id, [e.id], f"event {e.id} has no publisher and no subscriber", e.pointer)


@rule(
    id="non-idempotent-consumer",
    category="events",
    severity="warning",
    title="Non-idempotent consumer",
    summary="A subscription without idempotent: true to an event delivered at-least-once.",
    fix="Idempotent consumer: processed-message table or natural idempotency.",
)
def non_idempotent_consumer(ctx: Context) -> Iterator[Hit]:
    events = {e.id: e for e in ctx.model.events}
    for s in ctx.model.services:
        for sub in s.subscribes:
            e = events.get(sub.event)
            if e is not None and e.delivery == "at-least-once" and not sub.idempotent:
                yield Hit(
                    f"{s.id}->{e.id}",
                    [s.id, e.id],
                    f"{s.id} consumes {e.id} (delivered at-least-once) without declaring "
                    "itself idempotent",
                    sub.pointer,
                )
