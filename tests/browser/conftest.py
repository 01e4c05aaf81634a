"""Browser tests: Debian's headless Chromium (through Playwright) against a real daphne.

The server is `tests.browser.liveserver.LiveServer`: daphne in a subprocess with its own SQLite
file, so HTTP, websockets, the channel layer and the embedded Celery worker are the real ones.
Screenshots go to var/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .liveserver import ROOT, LiveServer, server_env, setup_world

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "var" / "screenshots"
PASSWORD = "browser-pass-123"
_n = itertools.count(1)

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="wb-browser-"))
    # Always embedded (own SQLite file, in-memory channel layer, Celery worker thread): the
    # browser run must not write into the integration run's PostgreSQL or Redis.
    env = server_env(workdir)
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    server = LiveServer(workdir, env).start()
    yield server
    server.stop()


# Module scope, not session: sync Playwright keeps an asyncio loop running in the main thread
# while it is open, and any asyncio test collected after the browser tests could not start its
# own loop ("Runner.run() cannot be called from a running event loop").
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def world(live: LiveServer) -> Callable[..., dict[str, Any]]:
    """Factory: users (password PASSWORD), a workspace and models; names made unique."""

    def make(**spec: Any) -> dict[str, Any]:
        n = next(_n)
        names = {u: f"{u}{n}" for u in spec.pop("users")}
        spec["users"] = list(names.values())
        spec["owner"] = names[spec["owner"]]
        spec["members"] = {names[u]: r for u, r in spec.get("members", {}).items()}
        spec.setdefault("workspace", f"Team {n}")
        spec["password"] = PASSWORD
        out = setup_world(live, **spec)
        out["names"] = names
        return out

    return make


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Callable[..., Any]]:
    """Factory: a signed-in page in its own browser context (its own cookies)."""
    contexts: list[Any] = []

    def open_as(username: str, width: int = 1280, height: int = 800, touch: bool = False) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(live.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(live.url + "/")
        return page

    yield open_as
    for c in contexts:
        c.close()


def shot(page: Any, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)
