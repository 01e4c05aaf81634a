"""The transactional outbox and the processed-message table, in the service's SQL datastore.

Tables (created by the service's migrations, ``migrations/``, never here):
``workbench_outbox(id, event, channel, envelope, created_at, sent_at)`` and
``workbench_processed(consumer_group, event_id, processed_at)``.

- ``Outbox.insert`` writes the event's envelope (in the business write's transaction when you
  pass its connection as ``conn``); the relay (``Outbox.run``: every 500 ms, and at once after an
  insert) publishes unsent rows in ``id`` order and sets ``sent_at``. Rows are locked with
  ``FOR UPDATE SKIP LOCKED``, so replicas never publish the same row twice; a row whose publish
  fails stays unsent (with the ones after it) until the broker is back.
- ``Processed.claim`` inserts (consumer group, event id) in a transaction held while the handler
  runs: a duplicate finds the row (or waits for it) and is acknowledged without running the
  handler; a handler that fails rolls the row back, so the redelivery runs it again. Without a
  SQL datastore the ids are kept in memory (the last 100,000).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from . import observability as obs

log = logging.getLogger("app.outbox")
RELAY_INTERVAL = 0.5
BATCH = 100
Send = Callable[[str, str, bytes], Awaitable[None]]


class Outbox:
    def __init__(self, store: Any, send: Send):
        self.store = store  # app.datastores.Store (postgres, mysql or mariadb)
        self.send = send
        self.wake = asyncio.Event()
        self.failing = ""  # the last relay error, logged once per change
        self.error = ""  # this round's publishing error

    @property
    def postgres(self) -> bool:
        return bool(self.store.kind == "postgres")

    async def insert(self, event: str, channel: str, envelope: str, conn: Any = None) -> None:
        sql_pg = "INSERT INTO workbench_outbox (event, channel, envelope) VALUES ($1, $2, $3)"
        sql_my = "INSERT INTO workbench_outbox (event, channel, envelope) VALUES (%s, %s, %s)"
        if conn is not None:  # the caller's transaction commits it with the business write
            if self.postgres:
                await conn.execute(sql_pg, event, channel, envelope)
            else:
                async with conn.cursor() as cur:
                    await cur.execute(sql_my, (event, channel, envelope))
        else:
            pool = await self.store.connect()
            if self.postgres:
                async with pool.acquire() as c:
                    await c.execute(sql_pg, event, channel, envelope)
            else:
                async with pool.acquire() as c, c.cursor() as cur:
                    await cur.execute(sql_my, (event, channel, envelope))
                    await c.commit()
        self.wake.set()

    async def run(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), RELAY_INTERVAL)
            self.wake.clear()
            try:
                await self.relay()
                if self.failing:
                    log.info("outbox %s: relaying again", self.store.id)
                self.failing = ""
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if error != self.failing:
                    log.warning("outbox %s: %s", self.store.id, error)
                self.failing = error

    async def relay(self) -> None:
        """Publish the unsent rows in order, mark them sent, and report how many are left."""
        self.error = ""
        pool = await self.store.connect()
        if self.postgres:
            async with pool.acquire() as conn:
                async with conn.transaction():
                    rows = await conn.fetch(
                        "SELECT id, event, channel, envelope FROM workbench_outbox"
                        " WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                        BATCH,
                    )
                    sent = await self._publish([tuple(r) for r in rows])
                    if sent:
                        await conn.execute(
                            "UPDATE workbench_outbox SET sent_at = now() WHERE id = ANY($1)", sent
                        )
                pending = await conn.fetchval(
                    "SELECT count(*) FROM workbench_outbox WHERE sent_at IS NULL"
                )
        else:
            async with pool.acquire() as conn, conn.cursor() as cur:
                await conn.begin()
                await cur.execute(
                    "SELECT id, event, channel, envelope FROM workbench_outbox"
                    " WHERE sent_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                    (BATCH,),
                )
                sent = await self._publish(list(await cur.fetchall()))
                if sent:
                    marks = ", ".join(["%s"] * len(sent))  # placeholders only
                    update = f"UPDATE workbench_outbox SET sent_at = CURRENT_TIMESTAMP(6) WHERE id IN ({marks})"  # noqa: S608
                    await cur.execute(update, sent)
                await conn.commit()
                await cur.execute("SELECT count(*) FROM workbench_outbox WHERE sent_at IS NULL")
                pending = (await cur.fetchone())[0]
                await conn.commit()
        obs.set_outbox_pending(self.store.id, int(pending))
        if self.error:
            raise ConnectionError(self.error)
        if pending and len(sent) == BATCH:
            self.wake.set()  # more to send: do not wait for the next tick

    async def _publish(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Publish rows in order up to the first failure (the rest waits for the next round)."""
        sent: list[int] = []
        for row_id, event, channel, envelope in rows:
            try:
                await self.send(event, channel, envelope.encode())
            except Exception as exc:
                self.error = f"cannot publish {event}: {exc}"
                break
            sent.append(int(row_id))
        return sent


class Processed:
    """Event ids a consumer group has handled (``workbench_processed``, else in memory)."""

    MEMORY_LIMIT = 100_000

    def __init__(self, store: Any):
        self.store = store
        self.memory: OrderedDict[tuple[str, str], None] = OrderedDict()

    @asynccontextmanager
    async def claim(self, group: str, event_id: str) -> AsyncIterator[bool]:
        """True: first time, run the handler inside; False: a duplicate. An exception inside
        forgets the claim."""
        if self.store is None:
            key = (group, event_id)
            if key in self.memory:
                yield False
                return
            self.memory[key] = None
            if len(self.memory) > self.MEMORY_LIMIT:
                self.memory.popitem(last=False)
            try:
                yield True
            except BaseException:
                self.memory.pop(key, None)
                raise
            return
        pool = await self.store.connect()
        if self.store.kind == "postgres":
            async with pool.acquire() as conn, conn.transaction():
                status = await conn.execute(
                    "INSERT INTO workbench_processed (consumer_group, event_id) VALUES ($1, $2)"
                    " ON CONFLICT DO NOTHING",
                    group,
                    event_id,
                )
                yield status.endswith(" 1")
            return
        async with pool.acquire() as conn, conn.cursor() as cur:
            await conn.begin()
            try:
                await cur.execute(
                    "INSERT IGNORE INTO workbench_processed (consumer_group, event_id)"
                    " VALUES (%s, %s)",
                    (group, event_id),
                )
                yield cur.rowcount == 1
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()
