"""The journey view and the blast-radius colouring in a real browser, on the demo model: open
the checkout journey's tree from the Journeys tab, read its edges' labels, go back to the view
it came from with its viewport; colour by blast radius, kept in the URL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import DEMO_COPY

from .conftest import shot

pytestmark = pytest.mark.browser
SHOP = DEMO_COPY.read_text()
EDGE = "#ed-diagram svg g.edge[data-id='{}']"


def edge_text(page: Any, ref: str) -> str:
    """The label of the drawn edge ``ref`` ("a->b"), its lines joined by " | "."""
    return str(
        page.evaluate(
            "(sel) => [...document.querySelector(sel).querySelectorAll('text')]"
            ".map((t) => t.textContent).join(' | ')",
            EDGE.format(ref),
        )
    )


def viewport_state(page: Any) -> dict[str, float]:
    return dict(
        page.evaluate(
            "(() => { const b = document.querySelector('#ed-diagram');"
            " return {scale: Number(b.dataset.scale), left: b.scrollLeft, top: b.scrollTop}; })()"
        )
    )


def test_the_checkout_journeys_tree_and_back(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=1440, height=900)
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram[data-drawn=dependencies] svg")
    # Zoom in and move, so "Back" has a viewport to bring back.
    page.click("#ed-zoom [data-zoom=in]")
    page.click("#ed-zoom [data-zoom=in]")
    page.evaluate("document.querySelector('#ed-diagram').scrollBy(120, 60)")
    before = viewport_state(page)

    page.click("#ed-lower-tabs [data-lower=journeys]")
    page.click("#ed-journeys .jr[data-journey=checkout] .jr-draw")
    page.wait_for_selector("#ed-diagram[data-drawn=journey] svg")
    assert "view=journey&journey=checkout" in page.url
    assert page.is_visible("#ed-journey-nav")
    assert "checkout" in page.inner_text("#ed-journey-name")
    assert "target 300 ms" in page.inner_text("#ed-journey-name")
    # Each call labelled with its timeout, retries and budget share (of the 300 ms target).
    assert edge_text(page, "orders->payments") == "◷1.5s ↻2 (100ms) ⚡ | ≤4,700 ms · 1,567 %"
    assert edge_text(page, "payments->payment-provider") == "◷3s ⚡ | ≤3,000 ms · 1,000 %"
    assert edge_text(page, "orders->catalog") == "no timeout +fallback | ≤25 ms · 8 %"
    assert edge_text(page, "gateway->orders") == "/api/orders | ≤4,760 ms · 1,587 %"
    # Nodes by latency from there on: the gateway's nominal 355 ms is over; payments only worst.
    classes = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#ed-diagram svg g.node[data-id]')]"
        ".map((g) => [g.id, g.getAttribute('class')]))"
    )
    assert "wb-latency-over" in classes["node-gateway"]
    assert "wb-latency-worst-over" in classes["node-payments"]
    assert "wb-latency-ok" in classes["node-catalog"]
    # The tree flows left to right.
    gw = page.locator("#ed-diagram svg g.node[data-id=gateway]").bounding_box()
    pp = page.locator("#ed-diagram svg g.node[data-id=payment-provider]").bounding_box()
    assert gw and pp and gw["x"] < pp["x"]
    assert page.get_attribute(".jr[data-journey=checkout] .jr-draw", "aria-pressed") == "true"
    shot(page, "70-journey-checkout")
    page.click(".ed-legend-toggle")
    shot(page, "70b-journey-checkout-legend")
    page.click(".ed-legend-toggle")

    # A click on a call selects it in the inspector.
    page.click(EDGE.format("orders->payments") + " text >> nth=0")
    page.wait_for_selector("#ed-inspector-body .insp-form[data-key]")

    # Back: the dependencies view as it was left.
    page.click("#ed-journey-back")
    page.wait_for_selector("#ed-diagram[data-drawn=dependencies] svg")
    assert "view=dependencies" in page.url and "journey=" not in page.url
    assert page.is_hidden("#ed-journey-nav")
    after = viewport_state(page)
    assert after["scale"] == pytest.approx(before["scale"], abs=0.01), (before, after)
    assert abs(after["left"] - before["left"]) < 30 and abs(after["top"] - before["top"]) < 30
    assert page.errors == []


def test_blast_radius_colouring_is_a_toolbar_control_kept_in_the_url(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=1440, height=900)
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram[data-drawn=dependencies] svg")
    assert page.locator("#ed-diagram svg g.node[class*=wb-heat]").count() == 0
    # The toolbar still fits on one line at 1440 px.
    bar = page.locator("#panel-diagram .ed-toolbar").bounding_box()
    assert bar and bar["height"] < 50, bar

    page.select_option("#ed-colour", "blast-radius")
    page.wait_for_selector("#ed-diagram svg g.node.wb-heat-4[data-id=gateway]")
    assert "colour=blast-radius" in page.url
    # The scale beside the control, and in the diagram's legend.
    assert page.is_visible("#ed-heat-key")
    assert "≤¼≤½≤¾>¾" in page.inner_text("#ed-heat-key").replace(" ", "").replace("\n", "")
    shot(page, "71-blast-radius")
    page.click(".ed-legend-toggle")
    assert page.evaluate(
        "[...document.querySelectorAll('.ed-legend-body text')].some("
        "(t) => t.textContent.includes('its failure fails over 3/4 of 3 journeys'))"
    )
    shot(page, "71b-blast-radius-legend")
    page.click(".ed-legend-toggle")

    # Kept in the URL: a reload draws it coloured again; the journey view too.
    page.reload()
    page.wait_for_selector("#ed-diagram svg g.node.wb-heat-4[data-id=gateway]")
    assert page.input_value("#ed-colour") == "blast-radius"
    page.click("#ed-lower-tabs [data-lower=journeys]")
    page.click("#ed-journeys .jr[data-journey=checkout] .jr-draw")
    page.wait_for_selector("#ed-diagram[data-drawn=journey] svg g.node.wb-heat-4[data-id=gateway]")
    assert "colour=blast-radius" in page.url and "journey=checkout" in page.url
    shot(page, "72-journey-blast-radius")

    page.select_option("#ed-colour", "")
    page.wait_for_selector("#ed-diagram svg g.node.wb-latency-over[data-id=gateway]")
    assert page.locator("#ed-diagram svg g.node[class*=wb-heat]").count() == 0
    assert "colour=" not in page.url and page.is_hidden("#ed-heat-key")
    assert page.errors == []


def test_a_bookmarked_journey_view_on_a_phone(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=390, height=844)
    base = page.url
    page.goto(base + f"models/{w['models']['shop']}/?view=journey&journey=checkout")
    page.wait_for_selector("#ed-diagram[data-drawn=journey] svg")
    assert edge_text(page, "orders->payments").startswith("◷1.5s ↻2 (100ms) ⚡")
    nav = page.locator("#ed-journey-nav").bounding_box()
    assert nav and nav["x"] + nav["width"] <= 390, nav
    shot(page, "73-journey-phone")
    page.click("#ed-journey-back")
    page.wait_for_selector("#ed-diagram[data-drawn=dependencies] svg")
    shot(page, "74-journey-phone-back")
    page.select_option("#ed-colour", "blast-radius")
    page.wait_for_selector("#ed-diagram svg g.node.wb-heat-4[data-id=gateway]")
    bar = page.locator("#ed-canvas-bar").bounding_box()
    assert bar and bar["x"] + bar["width"] <= 390, bar
    shot(page, "75-blast-radius-phone")

    # An unknown journey in a bookmark says so, with the way back.
    page.goto(base + f"models/{w['models']['shop']}/?view=journey&journey=gone")
    page.wait_for_selector(
        "#ed-diagram[data-drawn] .ed-empty, #ed-diagram .ed-empty >> text=cannot"
    )
    assert "unknown journey 'gone'" in page.inner_text("#ed-diagram")
    assert page.is_visible("#ed-journey-back")
    assert page.errors == []
