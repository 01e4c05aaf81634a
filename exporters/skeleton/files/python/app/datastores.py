"""Connections to the modelled datastores, opened lazily and checked by readiness.

postgres → asyncpg pool; mysql/mariadb → aiomysql pool; mongodb → motor; redis → redis-py;
anything else → a TCP connect to the URL's host and port. A failed check drops the client so
the next probe reconnects.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import unquote, urlsplit

CHECK_TIMEOUT = 2.0


class Store:
    def __init__(self, spec: dict[str, Any]):
        self.id, self.kind, self.env = spec["id"], spec["kind"], spec["env"]
        self.client: Any = None

    @property
    def url(self) -> str:
        url = os.environ.get(self.env, "")
        if not url:
            raise RuntimeError(f"{self.env} is not set")
        return url

    async def connect(self) -> Any:
        if self.client is not None:
            return self.client
        if self.kind == "postgres":
            import asyncpg

            self.client = await asyncpg.create_pool(
                self.url, min_size=0, max_size=5, timeout=CHECK_TIMEOUT
            )
        elif self.kind in ("mysql", "mariadb"):
            import aiomysql

            u = urlsplit(self.url)
            self.client = await aiomysql.create_pool(
                host=u.hostname,
                port=u.port or 3306,
                user=unquote(u.username or ""),
                password=unquote(u.password or ""),
                db=u.path.lstrip("/") or None,
                minsize=0,
                maxsize=5,
                connect_timeout=CHECK_TIMEOUT,
            )
        elif self.kind == "mongodb":
            from motor.motor_asyncio import AsyncIOMotorClient

            self.client = AsyncIOMotorClient(
                self.url, serverSelectionTimeoutMS=int(CHECK_TIMEOUT * 1000)
            )
        elif self.kind == "redis":
            import redis.asyncio as redis

            self.client = redis.from_url(self.url, socket_connect_timeout=CHECK_TIMEOUT)
        return self.client

    async def check(self) -> None:
        client = await self.connect()
        if self.kind == "postgres":
            async with client.acquire() as conn:
                await conn.fetchval("SELECT 1")
        elif self.kind in ("mysql", "mariadb"):
            async with client.acquire() as conn, conn.cursor() as cur:
                await cur.execute("SELECT 1")
        elif self.kind == "mongodb":
            await client.admin.command("ping")
        elif self.kind == "redis":
            await client.ping()
        else:
            u = urlsplit(self.url)
            _, writer = await asyncio.open_connection(u.hostname, u.port)
            writer.close()
            await writer.wait_closed()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        if self.kind == "postgres":
            client.terminate()
        elif self.kind in ("mysql", "mariadb") or self.kind == "mongodb":
            client.close()
        elif self.kind == "redis":
            await client.aclose()


class Datastores:
    def __init__(self, specs: list[dict[str, Any]]):
        self.stores = {s["id"]: Store(s) for s in specs}

    async def problems(self) -> list[str]:
        async def one(store: Store) -> str | None:
            try:
                await asyncio.wait_for(store.check(), CHECK_TIMEOUT + 1)
                return None
            except Exception as exc:
                await store.close()
                return f"datastore {store.id}: {type(exc).__name__}: {exc}"

        results = await asyncio.gather(*(one(s) for s in self.stores.values()))
        return [r for r in results if r]

    async def close(self) -> None:
        for store in self.stores.values():
            await store.close()
