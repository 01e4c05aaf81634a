"""Two people on one model in two browser contexts: live edits, a same-field conflict, a
deletion under edit, a viewer watching, and an export with live progress."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.support import DEMO_COPY

from .conftest import shot

pytestmark = pytest.mark.browser
SHOP = DEMO_COPY.read_text()
LIVE_WITHIN_MS = 1000


def open_editor(page: Any, model_id: int) -> Any:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + f"/models/{model_id}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    return page


def saved(page: Any, action: Any) -> None:
    """Do ``action`` (a save) and wait until the page has loaded the revision it wrote."""
    before = page.evaluate("window.wbEditor.revision")
    action()
    page.wait_for_function(
        f"window.wbEditor.revision > {before} && !document.querySelector('.insp-form.is-dirty')"
    )


def title_field(page: Any) -> Any:
    return page.locator('.insp-field[data-field="title"] input')


def test_two_people_see_each_others_edits_and_conflicts(pages, world) -> None:
    w = world(users=["ada", "bob"], owner="ada", members={"bob": "editor"}, models={"shop": SHOP})
    ada_name, bob_name = w["names"]["ada"], w["names"]["bob"]
    ada = open_editor(pages(ada_name), w["models"]["shop"])
    bob = open_editor(pages(bob_name), w["models"]["shop"])
    # Presence: each sees the other.
    ada.wait_for_selector(f'#ed-presence li[data-user="{bob_name}"]')
    bob.wait_for_selector(f'#ed-presence li[data-user="{ada_name}"]')

    for page in (ada, bob):
        page.locator('.ol-item[data-key="service:orders"]').click()
        page.wait_for_selector('.insp-form[data-key="service:orders"]')
    ada.wait_for_selector(f"text={bob_name} is also looking at this.")

    # 1. Bob's edit reaches Ada's open (clean) inspector within a second.
    title_field(bob).fill("Orders by Bob")
    saved(bob, lambda: title_field(bob).press("Enter"))
    started = time.monotonic()
    ada.wait_for_function(
        "document.querySelector('.insp-field[data-field=title] input').value === 'Orders by Bob'",
        timeout=LIVE_WITHIN_MS,
    )
    assert time.monotonic() - started < 1.0

    # 2. Same field: Ada is typing when Bob saves; Ada is told, saves, and wins; Bob is told.
    title_field(ada).fill("Orders by Ada")
    title_field(bob).fill("Orders by Bob, again")
    saved(bob, lambda: title_field(bob).press("Enter"))
    ada.wait_for_selector(
        f"text={bob_name} changed title of orders while you were editing.", timeout=LIVE_WITHIN_MS
    )
    assert title_field(ada).input_value() == "Orders by Ada"  # her edit is kept
    shot(ada, "09-conflict-notice")
    title_field(ada).press("Enter")
    ada.wait_for_selector(f"text=Your change to title replaced {bob_name}'s.")
    bob.wait_for_selector(
        f"text={ada_name} replaced your change to title of orders.", timeout=LIVE_WITHIN_MS
    )
    bob.wait_for_function(
        "document.querySelector('.insp-field[data-field=title] input').value === 'Orders by Ada'",
        timeout=LIVE_WITHIN_MS,
    )
    assert (
        ada.evaluate("window.wbEditor.doc.services.find(s => s.id === 'orders').title")
        == "Orders by Ada"
    )

    # 3. Different fields of one element: both survive.
    # Port and runtime are in the Deploy group, collapsed until opened.
    for page in (ada, bob):
        assert not page.locator('details[data-group="Deploy"]').evaluate("d => d.open")
        page.click('details[data-group="Deploy"] > summary')
    ada.locator('.insp-field[data-field="port"] input').fill("9000")
    bob.locator('.insp-field[data-field="runtime"] select').select_option("go")
    saved(bob, lambda: bob.locator('[data-action="save"]').click())
    ada.wait_for_function(
        "window.wbEditor.doc.services.find(s => s.id === 'orders').runtime === 'go'",
        timeout=LIVE_WITHIN_MS,
    )
    ada.locator('.insp-field[data-field="port"] input').press("Enter")
    bob.wait_for_function(
        "window.wbEditor.doc.services.find(s => s.id === 'orders').port === 9000",
        timeout=LIVE_WITHIN_MS,
    )
    assert ada.evaluate("window.wbEditor.doc.services.find(s => s.id === 'orders').runtime") == "go"

    # 4. Deletion under edit: Ada edits shipping, Bob deletes it.
    ada.locator('.ol-item[data-key="service:shipping"]').click()
    title_field(ada).fill("half-typed")
    bob.locator('.ol-item[data-key="service:shipping"]').click()
    bob.locator('[data-action="delete"]').click()
    bob.locator('[data-action="confirm-delete"]').click()
    bob.locator('[data-action="delete-cascade"]').click()
    ada.wait_for_selector(
        f"text=service shipping was deleted by {bob_name}.", timeout=LIVE_WITHIN_MS
    )
    assert ada.locator('.insp-form[data-key="service:shipping"]').count() == 0
    shot(ada, "10-deleted-under-edit")
    # Each page holds the stored document exactly, though most of these changes reached it as
    # deltas over the websocket, applied to what the page had.
    for page in (ada, bob):
        page.wait_for_function("!window.wbEditor.refreshing")
        res = page.request.get(
            page.url.split("/models/")[0] + f"/api/v1/models/{w['models']['shop']}"
        )
        assert page.evaluate("window.wbEditor.doc") == res.json()["document"]
    assert ada.errors == [] and bob.errors == []


def test_a_viewer_watches_live_but_cannot_edit(pages, world) -> None:
    w = world(users=["ada", "vic"], owner="ada", members={"vic": "viewer"}, models={"shop": SHOP})
    ada = open_editor(pages(w["names"]["ada"]), w["models"]["shop"])
    vic = open_editor(pages(w["names"]["vic"]), w["models"]["shop"])
    vic.locator('.ol-item[data-key="service:web"]').click()
    assert vic.locator('[data-action="save"]').count() == 0
    assert vic.locator("[data-add]").count() == 0
    assert vic.locator("#ed-yaml-apply").count() == 0
    assert (
        vic.locator('.insp-field[data-field="title"] input').get_attribute("readonly") is not None
    )
    shot(vic, "11-viewer")
    ada.locator('.ol-item[data-key="service:web"]').click()
    title_field(ada).fill("Storefront (new)")
    title_field(ada).press("Enter")
    vic.wait_for_function(
        "document.querySelector('.insp-field[data-field=title] input').value === 'Storefront (new)'",
        timeout=LIVE_WITHIN_MS,
    )


def test_a_dropped_connection_reconnects_and_catches_up(pages, world, live) -> None:
    w = world(users=["ada", "bob"], owner="ada", members={"bob": "editor"}, models={"shop": SHOP})
    ada = open_editor(pages(w["names"]["ada"]), w["models"]["shop"])
    bob = open_editor(pages(w["names"]["bob"]), w["models"]["shop"])
    # Ada's socket drops; Bob edits meanwhile; Ada reconnects and resynchronises.
    ada.evaluate(
        "window.wbLive.closed = false; window.wbLive.ws.onmessage = null; window.wbLive.drop()"
    )
    bob.locator('.ol-item[data-key="service:catalog"]').click()
    title_field(bob).fill("Catalog while Ada was away")
    saved(bob, lambda: title_field(bob).press("Enter"))
    ada.wait_for_selector("#ed-conn[data-state=live]", timeout=10_000)
    ada.wait_for_function(
        "window.wbEditor.doc.services.find(s => s.id === 'catalog').title === 'Catalog while Ada was away'",
        timeout=10_000,
    )


def test_an_export_runs_with_live_progress_and_downloads(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    ada = open_editor(pages(w["names"]["ada"]), w["models"]["shop"])
    ada.click("#tab-exports")
    button = ada.locator('[data-action="export"]')
    if not button.count():
        ada.wait_for_timeout(500)
    if not button.count():
        pytest.skip("exports are not available on this server")
    ada.locator("#ex-target").select_option("compose")
    button.click()
    job = ada.locator(".job").first
    job.wait_for()
    ada.locator('.job[data-state="succeeded"]').wait_for(timeout=60_000)
    assert job.locator("progress").evaluate("p => p.value") == 100
    shot(ada, "12-export-done")
    with ada.expect_download() as info:
        ada.locator('[data-action="download"]').first.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    path = download.path()
    assert path is not None and path.read_bytes()[:2] == b"PK"


def test_the_overwritten_user_is_told_even_when_two_saves_are_a_moment_apart(
    pages, world, live
) -> None:
    w = world(users=["ada", "bob"], owner="ada", members={"bob": "editor"}, models={"shop": SHOP})
    mid = w["models"]["shop"]
    ada = pages(w["names"]["ada"])
    # Ada's socket is slow: model.changed events reach her page only after her save returned
    # (the case that went untold 2 times in 5).
    held: list[Any] = []
    sockets: list[Any] = []
    passing = {"now": False}

    def slow_socket(ws: Any) -> None:
        sockets.append(ws)
        server = ws.connect_to_server()
        server.on_message(
            lambda message: (
                held.append(message)
                if "model.changed" in str(message) and not passing["now"]
                else ws.send(message)
            )
        )

    ada.route_web_socket("**/ws/models/**", slow_socket)
    ada = open_editor(ada, mid)
    bob = open_editor(pages(w["names"]["bob"]), mid)
    csrf = next(c["value"] for c in bob.context.cookies() if c["name"] == "csrftoken")

    # Bob's save lands right after Ada's is committed and before her page hears back: her
    # page then catches up straight to Bob's revision. The race, made certain.
    def bob_saves_in_between(route: Any) -> None:
        response = route.fetch()
        bob.request.post(
            live.url + f"/api/v1/models/{mid}/ops",
            data='[{"op": "update", "kind": "service", "id": "orders", "set": {"title": "Bob"}}]',
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
        )
        route.fulfill(response=response)

    ada.route(re.compile(r"/ops(\?|$)"), bob_saves_in_between)
    ada.locator('.ol-item[data-key="service:orders"]').click()
    title_field(ada).fill("Ada")
    title_field(ada).press("Enter")
    # Her save has returned and been applied; then the socket catches up.
    ada.wait_for_function("window.wbEditor.revision >= 2 && !window.wbEditor.writing")
    ada.wait_for_timeout(500)
    for message in held:
        sockets[-1].send(message)
    passing["now"] = True
    ada.wait_for_selector(f"text={w['names']['bob']} replaced your change to title of orders.")
    assert title_field(ada).input_value() == "Bob"
    assert ada.errors == []
