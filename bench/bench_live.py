"""Live latency: 20 websocket clients on one model, ~50 edits (HTTP element ops); how long until
each edit's ``model.changed`` reaches every client. Real daphne in a subprocess; the channel
layer is in-memory without REDIS_URL and Redis with it (DATABASE_URL is used when it is set).

    python bench/bench_live.py        # or: make bench
Bar: p95 < 1 s.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import struct
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.liveserver import LiveServer, server_env  # noqa: E402

CLIENTS = 20
EDITS = 50
PASSWORD = "bench-pass-123"

SETUP = """
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from apps.workspaces.services import workspace_create
from apps.workspaces.services import token_create
from apps.architectures.services import architecture_create
from apps.workspaces.principal import Principal
import uuid
user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}", password="x")
ws = workspace_create(name=f"Bench {uuid.uuid4().hex[:6]}", owner=user)
arch = architecture_create(workspace=ws, actor=Principal(user=user), source=open("apps/architectures/demo/shop.yaml").read())
_, raw = token_create(workspace=ws, name="bench", role="editor", created_by=user)
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
result = {"model": arch.pk, "token": raw, "session": s.session_key}
"""


class _Socket:
    """A minimal websocket client (text frames, RFC 6455) on asyncio streams, so the benchmark
    needs no extra dependency."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, host: str, port: int, path: str, headers: dict[str, str]) -> _Socket:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"websocket refused: {status[:200]!r}")
        return cls(reader, writer)

    async def recv(self) -> str:
        while True:
            b1, b2 = await self.reader.readexactly(2)
            length = b2 & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            data = await self.reader.readexactly(length)
            opcode = b1 & 0x0F
            if opcode == 0x1:
                return data.decode()
            if opcode == 0x8:
                raise ConnectionError("websocket closed")

    async def close(self) -> None:
        mask = os.urandom(4)
        self.writer.write(bytes([0x88, 0x80]) + mask)
        self.writer.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _edit(url: str, token: str, model: int, n: int) -> int:
    body = json.dumps(
        [{"op": "update", "kind": "service", "id": "orders", "set": {"title": f"Orders {n}"}}]
    ).encode()
    req = urllib.request.Request(
        f"{url}/api/v1/models/{model}/ops",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return int(json.loads(r.read())["revision"]["number"])


async def _measure(server: LiveServer, info: dict[str, Any]) -> list[float]:
    path = f"/ws/models/{info['model']}/"
    headers = {"Cookie": f"sessionid={info['session']}", "Origin": server.url}
    sockets = [
        await _Socket.connect("127.0.0.1", server.port, path, headers) for _ in range(CLIENTS)
    ]
    for ws in sockets:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello

    async def wait_for(ws: Any, revision: int) -> float:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg["type"] == "model.changed" and msg["revision"] >= revision:
                return time.perf_counter()

    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    for n in range(EDITS):
        start = time.perf_counter()
        revision = await loop.run_in_executor(
            None, _edit, server.url, info["token"], info["model"], n
        )
        arrived = await asyncio.gather(*(wait_for(ws, revision) for ws in sockets))
        latencies.append(max(arrived) - start)  # the slowest client's view of this edit
    for ws in sockets:
        await ws.close()
    return latencies


def run() -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="wb-bench-live-"))
    env = server_env(workdir)
    layer = "redis" if env.get("REDIS_URL") else "in-memory"
    server = LiveServer(workdir, env).start()
    try:
        info = server.python(SETUP)
        latencies = asyncio.run(_measure(server, info))
    finally:
        server.stop()
    p95 = _percentile(latencies, 95)
    return [
        {
            "bench": "live-edit-to-20-clients",
            "layer": layer,
            "clients": CLIENTS,
            "edits": len(latencies),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p95_ms": round(1000 * p95, 1),
            "p99_ms": round(1000 * _percentile(latencies, 99), 1),
            "max_ms": round(1000 * max(latencies), 1),
            "bar_p95_lt_1s": "pass" if p95 < 1.0 else "FAIL",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
    os._exit(0)
