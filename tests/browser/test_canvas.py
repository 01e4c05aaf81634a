"""Modelling on the canvas in a real browser: palette and drag only, undo/redo as ops, a
duplicate connection refused, and two people drawing at once with nothing lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser
EMPTY = "apiVersion: workbench/v1\nname: small\n"


class Actions:
    """Pointer and keyboard actions on the editor, counted (the issue's bar: at most 25)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def _centre(self, selector: str) -> tuple[float, float]:
        box = self.page.locator(selector).first.bounding_box()
        assert box, selector
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def _drag(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        self.count += 1
        m = self.page.mouse
        m.move(*a)
        m.down()
        m.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=4)
        m.move(*b, steps=4)
        m.up()

    def place(self, item: str, at: tuple[float, float]) -> None:
        """Drag a palette item onto the canvas at fractions `at` of the pane."""
        pane = self.page.locator("#ed-diagram").bounding_box()
        target = (pane["x"] + pane["width"] * at[0], pane["y"] + pane["height"] * at[1])
        self._drag(self._centre(f"[data-palette={item}]"), target)
        self.page.wait_for_selector(".ed-place-input")

    def type(self, text: str) -> None:
        self.count += 1
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def connect(self, a: str, b: str, *, outline: bool = False) -> None:
        """Drag node a onto node b, or (outline=True) onto b's item in the outline."""
        node = "#ed-diagram svg g[data-id='{}']"
        target = f"#ed-outline .ol-item[data-key$=':{b}']" if outline else node.format(b)
        for n in (a,) if outline else (a, b):
            try:
                self.page.wait_for_selector(node.format(n), timeout=10_000)
            except Exception:
                shot(self.page, "zz-failed-connect")
                print(self.page.errors, self.page.inner_text("#ed-notices"))
                raise
        self.page.wait_for_function("!window.wbEditor.refreshing")
        self._drag(self._centre(node.format(a)), self._centre(target))


def revision(page: Any) -> int:
    return page.evaluate("window.wbEditor.revision")


def wait_revision(page: Any, n: int) -> None:
    page.wait_for_function(f"window.wbEditor.revision >= {n} && !window.wbEditor.refreshing")


def model(page: Any, live: Any, model_id: int) -> dict[str, Any]:
    res = page.request.get(live.url + f"/api/v1/models/{model_id}")
    assert res.status == 200
    return json.loads(res.body())["document"]


def write_behind_the_page(page: Any, ops: list[dict[str, Any]]) -> None:
    """Ops written through the API in the page's session but not by the editor (as another tab
    or person would): the editor learns of them only from the websocket."""
    page.evaluate(
        """(ops) => fetch(`/api/v1/models/${JSON.parse(document.getElementById('editor-config').textContent).model}/ops`,
        {method: 'POST', headers: {'Content-Type': 'application/json',
         'X-CSRFToken': document.cookie.match(/csrftoken=([^;]+)/)[1]}, body: JSON.stringify(ops)})""",
        ops,
    )


def by_id(doc: dict[str, Any], coll: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in doc.get(coll, [])}


def test_build_a_small_system_by_palette_and_drag_only(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={"small": EMPTY})
    page = pages(w["names"]["ada"], width=1440, height=900)
    mid = w["models"]["small"]
    page.goto(page.url + f"models/{mid}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    page.wait_for_selector(
        "#ed-palette-menu[open] [data-palette=gateway]"
    )  # open on an empty model
    act = Actions(page)

    act.place("gateway", (0.3, 0.3))
    act.type("Gateway")
    act.place("service", (0.5, 0.5))
    act.type("Orders, Payments, Shipping")
    act.place("broker", (0.6, 0.3))
    act.type("Bus")
    act.place("datastore", (0.7, 0.6))
    act.type("Orders DB, Shipping DB")
    act.place("team", (0.8, 0.2))
    act.type("Team Orders")
    act.press("Enter")
    page.wait_for_selector("#ed-palette-menu:not([open])")
    page.wait_for_function(
        "['gateway','orders','payments','shipping','bus','orders-db','shipping-db','team-orders']"
        ".every((id) => window.wbEditor.index && window.wbEditor.index.byId.has(id))"
    )
    shot(page, "30-canvas-elements")

    act.connect("gateway", "orders")
    wait_revision(page, 7)
    act.connect("orders", "payments")
    wait_revision(page, 8)
    # Dropping a service on a broker asks which event: a new one, typed in place. The broker
    # is not drawn in this view: its item in the outline is a drop target too.
    act.connect("orders", "bus", outline=True)
    page.wait_for_selector(".ed-ask input")
    act.type("Order placed")
    act.press("Enter")
    wait_revision(page, 9)
    act.click("#ed-views button[data-view=events]")
    page.wait_for_selector("#ed-diagram[data-drawn=events] svg g[data-id='order-placed']")
    act.connect("order-placed", "shipping", outline=True)
    wait_revision(page, 10)
    act.connect("orders", "orders-db", outline=True)
    wait_revision(page, 11)
    act.connect("shipping", "shipping-db", outline=True)
    wait_revision(page, 12)
    shot(page, "32-canvas-built")
    assert act.count <= 25, act.count

    doc = model(page, live, mid)
    services = by_id(doc, "services")
    assert set(services) == {"gateway", "orders", "payments", "shipping"}
    assert services["gateway"]["kind"] == "gateway"
    assert services["gateway"]["routes"] == [{"path": "/orders", "to": "orders"}]
    assert services["orders"]["title"] == "Orders"
    assert services["orders"]["calls"] == ["payments"]
    assert services["orders"]["publishes"] == ["order-placed"]
    assert services["orders"]["data"] == ["orders-db"]
    assert services["shipping"]["subscribes"] == ["order-placed"]
    assert services["shipping"]["data"] == ["shipping-db"]
    assert by_id(doc, "events")["order-placed"]["broker"] == "bus"
    assert set(by_id(doc, "datastores")) == {"orders-db", "shipping-db"}
    assert set(by_id(doc, "teams")) == {"team-orders"}
    assert page.errors == []


def test_undo_redo_a_connection_and_a_duplicate_is_refused(pages, world, live) -> None:
    shop = (
        EMPTY + "services: [{id: orders}, {id: payments}]\n"
        "datastores: [{id: orders-db, kind: postgres}]\n"
    )
    w = world(users=["ada"], owner="ada", models={"small": shop})
    page = pages(w["names"]["ada"], width=1440, height=900)
    mid = w["models"]["small"]
    page.goto(page.url + f"models/{mid}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    act = Actions(page)
    act.connect("orders", "payments")
    wait_revision(page, 2)
    # The new connection is selected: its edge highlighted, its inspector open.
    page.wait_for_selector('.insp-form[data-key="call:orders->payments"]')
    page.wait_for_selector("#ed-diagram g.edge.wb-selected[data-id='orders->payments']")
    width = page.eval_on_selector(
        "#ed-diagram g.edge.wb-selected path", "p => getComputedStyle(p).strokeWidth"
    )
    assert width == "3.5px", width  # highlighted, not only marked
    shot(page, "33-canvas-edge-selected")

    # The call's inspector leads with its resilience settings, labelled as people say them.
    labels = page.locator(".insp-form .insp-field > label").all_inner_texts()
    assert labels[:3] == ["To *", "Protocol", "Timeout (ms)"], labels
    act.connect("orders", "payments")
    page.wait_for_selector(".ed-canvas-hint:text('orders already calls payments')")
    assert revision(page) == 2

    page.click("#ed-diagram", position={"x": 5, "y": 5})  # focus out of the inspector
    page.keyboard.press("Control+z")
    wait_revision(page, 3)
    assert by_id(model(page, live, mid), "services")["orders"].get("calls") in (None, [])
    page.keyboard.press("Control+Shift+z")
    wait_revision(page, 4)
    assert by_id(model(page, live, mid), "services")["orders"]["calls"] == ["payments"]

    # A preset is one op, undone like any other.
    page.click("[data-preset='Resilient default']")
    wait_revision(page, 5)
    call = by_id(model(page, live, mid), "services")["orders"]["calls"][0]
    assert call == {
        "to": "payments",
        "timeout_ms": 1000,
        "retries": {"max": 2, "backoff_ms": 100, "jitter": True},
        "circuit_breaker": True,
    }
    page.click("#ed-undo")
    wait_revision(page, 6)
    assert by_id(model(page, live, mid), "services")["orders"]["calls"] == ["payments"]

    # Someone else changes the call; undoing my connection is then refused, nothing changes.
    write_behind_the_page(
        page,
        [{"op": "update", "kind": "call", "id": "orders->payments", "set": {"timeout_ms": 900}}],
    )
    wait_revision(page, 7)
    page.click("#ed-undo")
    page.wait_for_selector(".notice:has-text('Cannot undo')")
    assert revision(page) == 7
    assert by_id(model(page, live, mid), "services")["orders"]["calls"] == [
        {"to": "payments", "timeout_ms": 900}
    ]

    # A drag onto nothing, or onto an impossible target, does nothing and says why.
    act.connect("payments", "orders-db", outline=True)
    wait_revision(page, 8)
    page.wait_for_selector("#ed-diagram svg g[data-id='payments']")
    act.connect("payments", "payments", outline=True)
    page.wait_for_selector(
        ".ed-canvas-hint[data-kind=error]:has-text('cannot be connected to itself')"
    )
    pane = page.locator("#ed-diagram").bounding_box()
    act._drag(act._centre("#ed-diagram svg g[data-id='payments']"), (pane["x"] + 4, pane["y"] + 4))
    page.wait_for_selector(
        ".ed-canvas-hint[data-kind=error]:has-text('Nothing to connect to there')"
    )
    assert revision(page) == 8

    # Someone else changes payments (not its access to orders-db): that access can still be
    # undone, and their change stays.
    write_behind_the_page(
        page, [{"op": "update", "kind": "service", "id": "payments", "set": {"replicas": 3}}]
    )
    wait_revision(page, 9)
    page.click("#ed-undo")
    wait_revision(page, 10)
    payments = by_id(model(page, live, mid), "services")["payments"]
    assert payments.get("data") in (None, []) and payments["replicas"] == 3
    page.wait_for_selector('.insp-form[data-key="service:payments"]')  # what the undo changed
    assert page.errors == []


def test_two_people_draw_at_once_and_nothing_is_lost(pages, world, live) -> None:
    shop = EMPTY + "services: [{id: a}, {id: b}, {id: c}]\n"
    w = world(users=["ada", "bob"], owner="ada", members={"bob": "editor"}, models={"small": shop})
    mid = w["models"]["small"]
    ada = pages(w["names"]["ada"], width=1440, height=900)
    bob = pages(w["names"]["bob"], width=1440, height=900)
    for p in (ada, bob):
        p.goto(p.url + f"models/{mid}/")
        p.wait_for_selector("#ed-conn[data-state=live]")
        p.wait_for_selector("#ed-diagram[data-drawn] svg g.node")
    # From now on neither page asks for the model: the author applies her write's answer, the
    # other page the change's delta that came over the websocket.
    fetched: list[str] = []
    for p in (ada, bob):
        p.on(
            "request",
            lambda r: fetched.append(r.url) if r.url.endswith(f"/api/v1/models/{mid}") else None,
        )
    # Turns interleave (each sees the other's edge arrive live, without reloading); a drag
    # needs the picture still under the pointer, so each waits until its page has caught up.
    for n, (page, a, b) in enumerate(
        [(ada, "a", "b"), (bob, "b", "c"), (ada, "a", "c"), (bob, "c", "a")], start=2
    ):
        Actions(page).connect(a, b)
        for p in (ada, bob):
            wait_revision(p, n)
    for p in (ada, bob):
        p.wait_for_selector("#ed-diagram svg g.edge[data-id='c->a']")
        p.wait_for_selector("#ed-diagram svg g.edge[data-id='a->b']")
    shot(bob, "34-canvas-two-people")
    stored = model(ada, live, mid)
    services = by_id(stored, "services")
    assert services["a"]["calls"] == ["b", "c"]
    assert services["b"]["calls"] == ["c"]
    assert services["c"]["calls"] == ["a"]
    assert fetched == []
    for p in (ada, bob):  # both hold exactly the stored document
        assert p.evaluate("window.wbEditor.doc") == stored
    assert ada.errors == [] and bob.errors == []


def test_the_model_is_renamed_in_place(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={"small": EMPTY + "services: [{id: a}]\n"})
    page = pages(w["names"]["ada"], width=1440, height=900)
    mid = w["models"]["small"]
    page.goto(page.url + f"models/{mid}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    page.click("#ed-model-rename")
    page.fill("#ed-model-name input", "billing")
    page.keyboard.press("Enter")
    wait_revision(page, 2)
    page.wait_for_selector("#ed-model-name:text('billing')")
    res = page.request.get(live.url + f"/api/v1/models/{mid}")
    assert json.loads(res.body())["name"] == "billing"
    assert page.errors == []


# The accent colour as the browser computes it (rgb(...)), to compare computed strokes with.
ACCENT = """() => { const d = document.createElement('div'); d.style.color = 'var(--accent)';
  document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c; }"""
# The computed stroke, width and vector effect of every shape Graphviz nested in a group.
STROKES = """(g) => [...g.querySelectorAll('path, polygon, ellipse')].map((s) => {
  const c = getComputedStyle(s); return [s.tagName, c.stroke, c.strokeWidth, c.vectorEffect]; })"""


def test_the_selection_reaches_nested_shapes_at_every_zoom(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={"small": EMPTY + SMALL_CALLS})
    page = pages(w["names"]["ada"], width=1440, height=900)
    page.goto(page.url + f"models/{w['models']['small']}/")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.edge[data-id='orders->payments']")
    accent = page.evaluate(ACCENT)
    # An edge: its path (inside <g><a>) is drawn in the accent, 3.5 px whatever the zoom.
    page.click("#ed-diagram svg g.edge[data-id='orders->payments'] path", force=True)
    page.wait_for_selector("#ed-diagram g.edge.wb-selected[data-id='orders->payments']")
    for zoom in ("actual", "out", "out", "out"):
        page.click(f"#ed-zoom [data-zoom={zoom}]")
        shapes = page.eval_on_selector("#ed-diagram g.edge.wb-selected", STROKES)
        path = next(s for s in shapes if s[0] == "path")
        assert path[1:] == [accent, "3.5px", "non-scaling-stroke"], (zoom, shapes)
    # A node: its outline (also nested) too, and the other nodes keep their own stroke.
    page.click("#ed-zoom [data-zoom=fit]")
    page.click("#ed-diagram svg g.node[data-id='payments']")
    page.wait_for_selector("#ed-diagram g.node.wb-selected[data-id='payments']")
    shapes = page.eval_on_selector("#ed-diagram g.node.wb-selected", STROKES)
    assert shapes and all(s[1:] == [accent, "3px", "non-scaling-stroke"] for s in shapes), shapes
    other = page.eval_on_selector("#ed-diagram g.node[data-id='orders']", STROKES)
    assert all(s[1] != accent for s in other), other
    shot(page, "35-canvas-node-selected")
    assert page.errors == []


SMALL_CALLS = (
    "services: [{id: orders, calls: [payments], data: [orders-db]}, {id: payments, data: [payments-db]}]\n"
    "datastores: [{id: orders-db, kind: postgres}, {id: payments-db, kind: postgres},"
    " {id: ledger-db, kind: postgres}, {id: audit-db, kind: postgres}]\n"
)

# Pointer events as a finger makes them, dispatched where the page would (the element under
# the point, bubbling to the window).
TOUCH = """([type, x, y]) => { const t = document.elementFromPoint(x, y) || document.body;
  t.dispatchEvent(new PointerEvent(type, {bubbles: true, cancelable: true, composed: true,
    pointerType: 'touch', pointerId: 7, isPrimary: true, clientX: x, clientY: y, button: type === 'pointermove' ? -1 : 0,
    buttons: type === 'pointerup' ? 0 : 1})); }"""


def test_touch_a_tap_selects_and_a_long_press_drag_connects(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={"small": EMPTY + SMALL_CALLS})
    page = pages(w["names"]["ada"], width=390, height=844, touch=True)
    mid = w["models"]["small"]
    page.goto(page.url + f"models/{mid}/?view=data")
    page.wait_for_selector("#ed-conn[data-state=live]")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id='ledger-db']")
    centre = Actions(page)._centre

    # A tap selects (the narrow layout then shows the inspector's tab).
    page.tap("#ed-diagram svg g.node[data-id='payments']")
    page.wait_for_selector('.insp-form[data-key="service:payments"]', state="attached")
    assert revision(page) == 1

    page.click("#ed-pane-tabs [data-pane=diagram]")
    page.wait_for_selector("#ed-diagram svg g.node[data-id='ledger-db']")
    a, b = (
        centre("#ed-diagram svg g.node[data-id='payments']"),
        centre("#ed-diagram svg g.node[data-id='ledger-db']"),
    )
    # A finger that moves at once is not a connection: it pans a diagram larger than the pane,
    # from a node as from the background.
    for _ in range(3):
        page.click("#ed-zoom [data-zoom=in]")
    scroll = "(() => { const b = document.getElementById('ed-diagram'); return [b.scrollLeft, b.scrollTop]; })()"
    page.evaluate(
        "document.querySelector(\"#ed-diagram g.node[data-id='payments']\")"
        ".scrollIntoView({block: 'center', inline: 'center'})"
    )
    before = page.evaluate(scroll)
    p = centre("#ed-diagram svg g.node[data-id='payments']")
    page.evaluate(TOUCH, ["pointerdown", *p])
    page.evaluate(TOUCH, ["pointermove", p[0] - 20, p[1]])
    page.evaluate(TOUCH, ["pointermove", p[0] - 40, p[1]])
    page.evaluate(TOUCH, ["pointerup", p[0] - 40, p[1]])
    after = page.evaluate(scroll)
    assert after == [before[0] + 40, before[1]]  # the drawing followed the finger
    page.wait_for_timeout(600)
    assert revision(page) == 1
    assert page.locator(".insp-form").count() == 1  # still payments: the pan selected nothing
    page.click("#ed-zoom [data-zoom=fit]")
    a, b = (
        centre("#ed-diagram svg g.node[data-id='payments']"),
        centre("#ed-diagram svg g.node[data-id='ledger-db']"),
    )

    # Held still, then dragged: payments reads and writes ledger-db, one op.
    page.evaluate(TOUCH, ["pointerdown", *a])
    page.wait_for_timeout(600)
    assert page.locator("#ed-diagram g.node.wb-link-source[data-id='payments']").count() == 1
    steps = 5
    for i in range(1, steps + 1):
        page.evaluate(
            TOUCH,
            ["pointermove", a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps],
        )
    page.evaluate(TOUCH, ["pointerup", *b])
    wait_revision(page, 2)
    payments = by_id(model(page, live, mid), "services")["payments"]
    assert payments["data"] == ["payments-db", "ledger-db"]
    shot(page, "36-canvas-touch-connected")
    assert page.errors == []


def test_two_people_adding_data_accesses_at_once_both_keep_theirs(pages, world, live) -> None:
    w = world(
        users=["ada", "bob"],
        owner="ada",
        members={"bob": "editor"},
        models={"small": EMPTY + SMALL_CALLS},
    )
    mid = w["models"]["small"]
    ada = pages(w["names"]["ada"], width=1440, height=900)
    bob = pages(w["names"]["bob"], width=1440, height=900)
    for p in (ada, bob):
        p.goto(p.url + f"models/{mid}/?view=data")
        p.wait_for_selector("#ed-conn[data-state=live]")
        p.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id='ledger-db']")
    # Both press and drag before either lets go: each page still has the old document when
    # its drop is sent, so a write of the whole list would keep only the later one.
    drags = []
    for page, target in ((ada, "ledger-db"), (bob, "audit-db")):
        act = Actions(page)
        a, b = (
            act._centre("#ed-diagram svg g.node[data-id='orders']"),
            act._centre(f"#ed-diagram svg g.node[data-id='{target}']"),
        )
        page.mouse.move(*a)
        page.mouse.down()
        page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=3)
        page.mouse.move(*b, steps=3)
        drags.append(page)
    for page in drags:
        page.mouse.up()
    for p in (ada, bob):
        wait_revision(p, 3)
    stores = by_id(model(ada, live, mid), "services")["orders"]["data"]
    assert sorted(stores) == ["audit-db", "ledger-db", "orders-db"]
    for p in (ada, bob):
        p.wait_for_function(
            "(window.wbEditor.doc.services.find(s => s.id === 'orders').data || []).length === 3"
        )
    assert ada.errors == [] and bob.errors == []
