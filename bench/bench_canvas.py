"""Canvas latency: from the drop of a drag-to-connect to the new edge drawn, on the author's
screen and on a second client's (another browser context, live over the websocket). 20
connections each on the demo model and on a 500-service model (its dependencies view focused
on the gateway and the 25 services it routes to, so both ends are on screen; the ops, validation and findings are the whole
model's). Real daphne (embedded: SQLite, in-memory channel layer) and Debian's Chromium.

    python bench/run.py canvas        # or: make bench
Goal (issue 11): author < 300 ms, other client < 500 ms at p95 on the demo model.

Then a 5,000-service model (BENCH_CANVAS_LARGE=0 skips it): the time to open the editor until
its picture (focused on the gateway) is drawn, and selecting nodes by a click until the inspector
shows the node and the next frame is painted (goal: under 0.5 s).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.liveserver import LiveServer, server_env, setup_world  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
CONNECTIONS = 20
PASSWORD = "bench-pass-123"

# Resolves with Date.now() when the edge a->b is in this page's diagram (null after 15 s).
WATCH = """(id) => { window.__edgeSeen = new Promise((resolve) => {
  setTimeout(() => resolve(null), 15000);
  const sel = `#ed-diagram svg g.edge[data-id="${CSS.escape(id)}"]`;
  if (document.querySelector(sel)) { resolve(Date.now()); return; }
  const obs = new MutationObserver(() => {
    if (document.querySelector(sel)) { obs.disconnect(); resolve(Date.now()); }
  });
  obs.observe(document.getElementById('ed-diagram'), {childList: true, subtree: true});
}); }"""


# The ids of the service nodes wholly inside the diagram pane.
VISIBLE = """() => { const p = document.getElementById('ed-diagram').getBoundingClientRect();
  return [...document.querySelectorAll('#ed-diagram svg g.node[data-id]')].filter((g) => {
    const r = g.getBoundingClientRect();
    return r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom; })
    .map((g) => g.dataset.id); }"""


def _login(browser: Any, url: str, user: str) -> Any:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(url + "/")
    return page


def _centre(page: Any, node: str) -> tuple[float, float]:
    box = page.locator(f"#ed-diagram svg g.node[data-id='{node}']").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _pairs(doc: dict[str, Any], nodes: set[str], n: int) -> list[tuple[str, str]]:
    calls = {
        (s["id"], c if isinstance(c, str) else c["to"])
        for s in doc["services"]
        for c in s.get("calls", [])
    }
    ids = [s["id"] for s in doc["services"] if s["id"] in nodes and s.get("kind") != "gateway"]
    out = [(a, b) for a in ids for b in ids if a != b and (a, b) not in calls]
    return out[:n]


def _measure(server: LiveServer, browser: Any, label: str, source: str, query: str) -> list[dict]:
    world = setup_world(
        server, users=["author", "other"], owner="author", members={"other": "editor"},
        models={"m": source}, workspace=f"Bench {label}", password=PASSWORD,
    )  # fmt: skip
    mid = world["models"]["m"]
    pages = [_login(browser, server.url, u) for u in ("author", "other")]
    for p in pages:
        p.goto(f"{server.url}/models/{mid}/?{query}")
        p.wait_for_selector("#ed-conn[data-state=live]", timeout=120_000)
        p.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id]", timeout=120_000)
    author, other = pages
    nodes = set(author.evaluate(VISIBLE))
    pairs = _pairs(author.evaluate("window.wbEditor.doc"), nodes, CONNECTIONS * 3)
    times: dict[str, list[float]] = {"author": [], "second client": []}
    missed = {"author": 0, "second client": 0}
    done = 0
    for a, b in pairs:
        if done == CONNECTIONS:
            break
        for p in pages:
            p.wait_for_function("!window.wbEditor.refreshing")
        visible = set(author.evaluate(VISIBLE))  # the layout moves as edges are added
        if a not in visible or b not in visible:
            continue
        done += 1
        for p in pages:
            p.wait_for_function("!window.wbEditor.refreshing")
            p.evaluate(WATCH, f"{a}->{b}")
        start, end = _centre(author, a), _centre(author, b)
        m = author.mouse
        m.move(*start)
        m.down()
        m.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=3)
        m.move(*end, steps=3)
        dropped = author.evaluate("Date.now()")
        m.up()
        for name, p in (("author", author), ("second client", other)):
            seen = p.evaluate("window.__edgeSeen")
            if seen is None:
                missed[name] += 1
            else:
                times[name].append(max(0, seen - dropped))
    for p in pages:
        p.context.close()
    rows = []
    for name, values in times.items():
        values.sort()
        rows.append(
            {
                "bench": "drop-to-edge",
                "model": label,
                "client": name,
                "connections": len(values),
                "not_drawn": missed[name],
                "p50_ms": round(statistics.median(values)) if values else "",
                "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)]) if values else "",
            }
        )
    return rows


# Select a node the way a click does and time it until the inspector shows it and the next
# frame has been painted (the selection marked in the diagram and the outline).
SELECT = """async (id) => {
  const g = document.querySelector(`#ed-diagram svg g.node[data-id="${CSS.escape(id)}"]`);
  const t0 = performance.now();
  g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const ok = !!document.querySelector(`.insp-form[data-key$=":${CSS.escape(id)}"]`)
    && g.classList.contains('wb-selected');
  return ok ? performance.now() - t0 : null; }"""


def _open_and_select(server: LiveServer, browser: Any, services: int, query: str) -> list[dict]:
    """A large model: open the editor (until its picture is drawn) and select nodes."""
    from bench.modelgen import generate_yaml

    world = setup_world(
        server, users=[f"big{services}"], owner=f"big{services}",
        models={"m": generate_yaml(services)}, workspace=f"Bench {services}", password=PASSWORD,
    )  # fmt: skip
    page = _login(browser, server.url, f"big{services}")
    t0 = time.monotonic()
    page.goto(f"{server.url}/models/{world['models']['m']}/?{query}")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id]", timeout=600_000)
    opened = (time.monotonic() - t0) * 1000
    page.wait_for_function("!window.wbEditor.refreshing", timeout=600_000)
    ids = page.evaluate(VISIBLE)[:12]
    times = [t for t in (page.evaluate(SELECT, i) for i in ids) if t is not None]
    page.context.close()
    times.sort()
    return [
        {"bench": "open", "model": f"{services} services", "ms": round(opened)},
        {
            "bench": "select a node",
            "model": f"{services} services",
            "selections": len(times),
            "p50_ms": round(statistics.median(times)) if times else "",
            "max_ms": round(times[-1]) if times else "",
        },
    ]


def run() -> list[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        return [{"bench": "drop-to-edge", "skipped": f"{CHROMIUM} is missing"}]
    from playwright.sync_api import sync_playwright

    from bench.modelgen import generate_yaml

    workdir = Path(tempfile.mkdtemp(prefix="wb-bench-canvas-"))
    # Limits that admit the 5,000-service model.
    env = server_env(
        workdir, WORKBENCH_MAX_MODEL_BYTES=str(64 * 1024 * 1024), WORKBENCH_MAX_ELEMENTS="1000000"
    )
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    server = LiveServer(workdir, env).start()
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            demo = (ROOT / "apps" / "architectures" / "demo" / "shop.yaml").read_text()
            rows += _measure(server, browser, "demo (7 services)", demo, "view=dependencies")
            rows += _measure(
                server, browser, "500 services", generate_yaml(500),
                "view=dependencies&focus=gateway&hops=1",
            )  # fmt: skip
            if os.environ.get("BENCH_CANVAS_LARGE", "1") != "0":
                rows += _open_and_select(
                    server, browser, 5000, "view=dependencies&focus=gateway&hops=1"
                )
            browser.close()
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
