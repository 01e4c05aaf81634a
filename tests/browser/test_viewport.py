"""The diagram's viewport in a real browser: every view opens readable and whole, Fit never
enlarges, the legend is an overlay, full screen, filters in the URL, viewport kept on redraw."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import DEMO_COPY

from .conftest import shot

SHOP = DEMO_COPY.read_text()
VIEWS = ("context", "dependencies", "events", "data", "teams")
pytestmark = pytest.mark.browser

# Every node's box against the visible pane, and the on-screen size of its title (the bold first
# line; a node's second line is drawn 9/11 of that size).
MEASURE = """() => {
  const pane = document.querySelector('#ed-diagram').getBoundingClientRect();
  const out = [];
  for (const g of document.querySelectorAll('#ed-diagram svg g.node[data-id]')) {
    const r = g.getBoundingClientRect();
    const texts = [...g.querySelectorAll('text')];
    const px = Math.max(...texts.map((t) => t.getBoundingClientRect().height && parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a));
    out.push({id: g.dataset.id, inside: r.left >= pane.left - 0.5 && r.right <= pane.right + 0.5
      && r.top >= pane.top - 0.5 && r.bottom <= pane.bottom + 0.5, px});
  }
  return out;
}"""


def open_view(page: Any, view: str) -> None:
    page.click(f"#ed-views button[data-view={view}]")
    page.wait_for_selector(f"#ed-diagram[data-drawn={view}] svg[data-view={view}]")


@pytest.mark.parametrize("size", [(1440, 900), (1920, 1080)], ids=["1440x900", "1920x1080"])
def test_every_view_of_the_demo_opens_whole_and_readable(pages, world, size) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=size[0], height=size[1])
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram svg g.node[data-id]")
    for view in VIEWS:
        open_view(page, view)
        nodes = page.evaluate(MEASURE)
        assert nodes, view
        outside = [n["id"] for n in nodes if not n["inside"]]
        small = [(n["id"], round(n["px"], 1)) for n in nodes if n["px"] < 9]
        shot(page, f"20-open-{view}-{size[0]}x{size[1]}")
        assert outside == [], f"{view}: outside the pane: {outside}"
        assert small == [], f"{view}: text under 9 px: {small}"
        # The legend is an overlay, collapsed: it is not part of the drawing.
        assert page.locator("#ed-diagram svg #cluster-legend").count() == 0
        assert page.locator(".ed-legend-toggle[aria-expanded=false]").count() == 1
    assert page.errors == []


def test_a_one_node_model_is_not_blown_up_and_fit_never_enlarges(pages, world) -> None:
    one = "apiVersion: workbench/v1\nname: one\nservices: [{id: orders}]\n"
    w = world(users=["ada"], owner="ada", models={"one": one})
    page = pages(w["names"]["ada"], width=1920, height=1080)
    page.goto(page.url + f"models/{w['models']['one']}/")
    page.wait_for_selector("#ed-diagram svg g.node[data-id=orders]")
    for _ in range(2):
        (node,) = page.evaluate(MEASURE)
        assert node["inside"] and 9 <= node["px"] <= 24, node
        assert float(page.get_attribute("#ed-diagram", "data-scale")) <= 1
        page.click("#ed-zoom [data-zoom=fit]")
    shot(page, "21-one-node-1920x1080")


def test_legend_fullscreen_url_filters_and_kept_viewport(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=1440, height=900)
    url = page.url + f"models/{w['models']['shop']}/"
    page.goto(url)
    page.wait_for_selector("#ed-diagram svg g.node[data-id]")
    page.click(".ed-legend-toggle")
    page.wait_for_selector(".ed-legend-body svg #cluster-legend")
    shot(page, "22-legend-open")
    page.click(".ed-legend-toggle")
    assert page.locator(".ed-legend-body").count() == 0

    # Full screen with F, out with Escape; the drawing refits to the bigger pane.
    before = page.eval_on_selector("#ed-diagram", "e => e.clientWidth")
    page.keyboard.press("f")
    page.wait_for_selector(".editor.is-fullscreen")
    assert page.eval_on_selector("#ed-diagram", "e => e.clientWidth") > before
    shot(page, "23-fullscreen")
    page.keyboard.press("Escape")
    page.wait_for_selector(".editor:not(.is-fullscreen)")

    # Filters go to the URL; opening that URL draws the same filtered view.
    open_view(page, "data")
    page.click("#ed-filter-summary")
    page.select_option("#ed-filters select[name=team]", "team-orders")
    page.wait_for_url("**team=team-orders**")
    page.wait_for_selector("#ed-diagram[data-drawn=data]")
    assert page.inner_text("#ed-filter-summary") == "Team: team-orders"
    assert "view=data" in page.url
    link = page.get_attribute("#ed-download-png", "href")
    assert "/diagrams/data.png?team=team-orders" in link
    response = page.request.get(live.url + link)
    assert response.status == 200 and response.body()[:4] == b"\x89PNG"
    bookmarked = page.url
    other = page.context.new_page()
    other.goto(bookmarked)
    other.wait_for_selector("#ed-diagram svg[data-view=data]")
    assert other.eval_on_selector("#ed-filters select[name=team]", "s => s.value") == "team-orders"
    other.close()

    # Zoomed in somewhere, an edit redraws the view: scale and centre stay.
    open_view(page, "dependencies")
    page.click("#ed-zoom [data-zoom=in]")
    page.click("#ed-zoom [data-zoom=in]")
    scale = page.get_attribute("#ed-diagram", "data-scale")
    # Larger than the pane: a minimap frames the visible part; a click there moves the view.
    page.wait_for_selector(".ed-minimap .ed-minimap-frame")
    before = page.eval_on_selector("#ed-diagram", "b => [b.scrollLeft, b.scrollTop]")
    box = page.locator(".ed-minimap").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 4, box["y"] + box["height"] - 4)
    assert page.eval_on_selector("#ed-diagram", "b => [b.scrollLeft, b.scrollTop]") != before
    shot(page, "27-minimap")
    page.eval_on_selector("#ed-diagram", "b => { b.scrollLeft = 120; b.scrollTop = 60; }")
    centre = page.evaluate("window.wbViewport.centre()")
    page.evaluate(
        """fetch(`/api/v1/models/${JSON.parse(document.getElementById('editor-config').textContent).model}/ops`,
        {method: 'POST', headers: {'Content-Type': 'application/json',
         'X-CSRFToken': document.cookie.match(/csrftoken=([^;]+)/)[1]},
         body: JSON.stringify([{op: 'update', kind: 'service', id: 'orders', set: {replicas: 3}}])})"""
    )
    page.wait_for_selector("#ed-revision:text('rev 2')")
    page.wait_for_function("!window.wbEditor.refreshing")
    assert page.get_attribute("#ed-diagram", "data-scale") == scale
    after = page.evaluate("window.wbViewport.centre()")
    assert abs(after["fx"] - centre["fx"]) < 0.02 and abs(after["fy"] - centre["fy"]) < 0.02
    assert page.errors == []


def test_under_1024_px_the_panes_are_tabs_and_the_diagram_is_usable(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=800, height=900)
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id]")
    assert page.eval_on_selector("#ed-diagram", "e => e.clientWidth") > 700
    assert page.locator("#ed-outline").is_hidden()
    shot(page, "24-narrow-diagram")
    page.click("#ed-pane-tabs [data-pane=outline]")
    page.click('.ol-item[data-key="service:orders"]')
    page.wait_for_selector('.insp-form[data-key="service:orders"]')
    assert page.locator("#ed-inspector").is_visible()
    shot(page, "25-narrow-inspector")
    page.click("#ed-pane-tabs [data-pane=diagram]")
    page.wait_for_selector("#ed-diagram svg g.node[data-id='orders']")
    assert page.errors == []


def test_dark_mode_draws_the_diagram_dark_with_readable_zoom_controls(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=1440, height=900)
    page.emulate_media(color_scheme="dark")
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id]")
    assert "invert" in page.eval_on_selector("#ed-diagram svg", "s => getComputedStyle(s).filter")
    colours = page.eval_on_selector(
        "#ed-zoom [data-zoom=in]",
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]",
    )
    assert colours[0] != colours[1]
    shot(page, "26-dark-mode")


# The boxes that matter for the layout: the What-if toggle, the diagram pane, every node, and
# every view button and pane tab after scrolling it into view (as a finger would).
LAYOUT = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const reach = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetParent).map((e) => {
    e.scrollIntoView({block: 'nearest', inline: 'nearest'}); const r = box(e);
    return {name: e.textContent.trim(), inside: r.l >= -0.5 && r.r <= innerWidth + 0.5}; });
  return {whatif: box(document.getElementById('ed-whatif')), pane: box(document.getElementById('ed-diagram')),
    nodes: [...document.querySelectorAll('#ed-diagram svg g.node[data-id]')].map((g) => ({id: g.dataset.id, ...box(g)})),
    views: reach('#ed-views button'), tabs: reach('.ed-tab'), panes: reach('#ed-pane-tabs button'),
    pageWidth: document.documentElement.scrollWidth, width: innerWidth};
}"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


@pytest.mark.parametrize(
    "size", [(1440, 900), (390, 844), (375, 667)], ids=["1440x900", "390x844", "375x667"]
)
def test_what_if_covers_no_node_and_every_view_and_tab_can_be_reached(pages, world, size) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=size[0], height=size[1])
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-diagram[data-drawn] svg g.node[data-id]")
    shot(page, f"41-layout-{size[0]}x{size[1]}")
    geo = page.evaluate(LAYOUT)
    assert geo["pageWidth"] <= geo["width"] + 1  # nothing pushes the page sideways
    # A node scrolled out of the pane is not covered: only its visible part counts.
    pane = geo["pane"]
    visible = [
        {
            "id": n["id"],
            "l": max(n["l"], pane["l"]),
            "t": max(n["t"], pane["t"]),
            "r": min(n["r"], pane["r"]),
            "b": min(n["b"], pane["b"]),
        }
        for n in geo["nodes"]
    ]
    covered = [n["id"] for n in visible if overlaps(geo["whatif"], n)]
    assert covered == [], covered
    if size[0] < 1024:  # on a phone it sits on its own line, above the drawing
        assert geo["whatif"]["b"] <= geo["pane"]["t"] + 0.5, geo
        # Opened at a readable scale on the entry points (taller than the pane): the first one,
        # the shopper, is whole, not cut by the pane's top edge.
        shopper = next(n for n in geo["nodes"] if n["id"] == "shopper")
        assert pane["t"] <= shopper["t"] and shopper["b"] <= pane["b"], (shopper, pane)
        # The minimap takes at most about a third of the small pane each way.
        mini = page.locator(".ed-minimap").bounding_box()
        assert mini is not None  # the drawing is larger than the pane at this scale
        assert mini["width"] <= 0.31 * (pane["r"] - pane["l"]) + 2, mini
        assert mini["height"] <= 0.31 * (pane["b"] - pane["t"]) + 2, mini
    for group in ("views", "tabs", "panes"):
        cut = [x["name"] for x in geo[group] if not x["inside"]]
        assert cut == [], (group, cut)
    assert len(geo["views"]) == 5
    # The last view can be opened by a click (not hidden past the edge).
    open_view(page, "teams")
    shot(page, f"41-layout-teams-{size[0]}x{size[1]}")
    assert page.errors == []
