"""Horizontal scale without Docker: two daphne processes on two ports against one PostgreSQL and
one Redis (and a Celery worker). An edit made through one reaches a socket connected to the
other; an export job started through one is polled and downloaded through the other."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.apps.workspaces.personas import World

from .processes import WebSocket, celery, daphne, service_env, stop, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),  # the processes must see the test's rows
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]


def call(port: int, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, json.loads(raw) if "json" in kind else raw
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_two_web_processes_share_edits_and_jobs(world: World, tmp_path: Path) -> None:
    env = service_env(WORKBENCH_EXPORTS_ROOT=str(tmp_path / "exports"))
    token = world.tokens["editor_token"]
    client = Client()
    client.force_login(world.users["viewer"])
    cookie = client.cookies["sessionid"].value
    worker = celery(
        ["worker", "--pool", "solo", "--without-mingle", "--without-gossip", "-l", "WARNING"],
        env,
        tmp_path / "worker.log",
    )
    try:
        with daphne(env, tmp_path / "a.log") as a, daphne(env, tmp_path / "b.log") as b:
            socket_b = WebSocket(b, f"/ws/models/{world.arch.pk}/", cookie)
            try:
                socket_b.next_of("hello")
                ops = [{"op": "update", "kind": "service", "id": "orders", "set": {"replicas": 6}}]
                status, written = call(a, "POST", f"/api/v1/models/{world.arch.pk}/ops", token, ops)
                assert status == 200 and written["changed"] is True
                event = socket_b.next_of("model.changed")
                assert event["revision"] == written["revision"]["number"]
            finally:
                socket_b.close()

            status, job = call(
                a, "POST", f"/api/v1/models/{world.arch.pk}/exports", token, {"target": "compose"}
            )
            assert status == 202, job

            def finished() -> dict[str, Any] | None:
                code, polled = call(b, "GET", f"/api/v1/exports/{job['id']}", token)
                assert code == 200
                return polled if polled["state"] in ("succeeded", "failed") else None

            polled = wait_until(finished, 120, "the export job")
            assert polled["state"] == "succeeded", polled
            code, bundle = call(b, "GET", polled["download_url"], token)
            assert code == 200 and hashlib.sha256(bundle).hexdigest() == polled["sha256"]
    finally:
        stop(worker)
