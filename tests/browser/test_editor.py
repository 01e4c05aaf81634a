"""The editor in a real browser: pages, building a model through the UI, findings, views."""

from __future__ import annotations

from typing import Any

import pytest

from bench.modelgen import generate_yaml
from tests.support import DEMO_COPY

from .conftest import shot

SHOP = DEMO_COPY.read_text()
pytestmark = pytest.mark.browser


def add(page: Any, element: str, **fields: str) -> None:
    """Add an element through the outline's + button and the inspector form."""
    page.click(f"[data-add={element}]")
    form = page.locator("form[data-creating]")
    for name, value in fields.items():
        control = form.locator(
            f'.insp-field[data-field="{name}"] :is(input, select, textarea)'
        ).first
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    # Enter submits the form from any text field; a select needs the button.
    form.locator('[data-action="create"]').click()
    page.wait_for_selector("form[data-creating]", state="detached")


def test_workspace_pages_guide_a_newcomer(pages, world, live) -> None:
    w = world(users=["ada"], owner="ada", models={})
    page = pages(w["names"]["ada"])
    shot(page, "01-workspace-list", full=True)
    page.click(f"text={w['names']['ada'] and 'Team'}")
    page.wait_for_selector("text=No models yet.")
    shot(page, "02-workspace-empty", full=True)
    page.fill("#id_name", "tiny")
    page.click("text=Create model")
    page.wait_for_selector("#ed-outline")
    assert "/models/" in page.url
    page.wait_for_selector("text=This model is empty.")
    shot(page, "03-editor-empty")


def test_build_a_small_model_through_the_ui_then_see_and_suppress_a_finding(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"tiny": None})
    page = pages(w["names"]["ada"])
    page.goto(page.url + f"models/{w['models']['tiny']}/")
    page.wait_for_selector("#ed-conn[data-state=live]")

    add(page, "service", id="orders", title="Orders")
    add(page, "service", id="payments")
    add(page, "call", **{"from": "orders", "to": "payments"})
    add(page, "broker", id="bus", kind="rabbitmq")
    add(page, "event", id="order-placed", broker="bus")
    add(page, "datastore", id="orders-db", kind="postgres", owner="orders")

    outline = page.locator("#ed-outline")
    for name in ("orders", "payments", "orders → payments", "bus", "order-placed", "orders-db"):
        assert outline.get_by_text(name, exact=True).count() == 1, name

    # A call with no timeout and no circuit breaker is an error finding, live.
    finding = page.locator('.fd[data-rule="wobbly-call"][data-target="orders->payments"]')
    finding.wait_for()
    shot(page, "04-editor-built")
    finding.locator(".fd-main").click()
    page.wait_for_selector('.insp-form[data-key="call:orders->payments"]')

    finding.locator('[data-action="suppress"]').click()
    page.keyboard.type("Payments answers from memory; accepted until Q3")
    finding.locator("form button[type=submit]").click()
    page.locator('.fd-suppressed .fd[data-rule="wobbly-call"]').wait_for(state="attached")
    assert (
        page.locator(".outline, #ed-outline").get_by_text("wobbly-call:orders->payments").count()
        == 1
    )

    # Editing a field: set the call's timeout, see it saved as an update of that field only.
    page.locator('.ol-item[data-key="call:orders->payments"]').click()
    timeout = page.locator('.insp-field[data-field="timeout_ms"] input')
    timeout.fill("800")
    timeout.press("Enter")
    page.wait_for_selector("text=Saved orders → payments")
    doc = page.evaluate("window.wbEditor.doc")
    assert doc["services"][0]["calls"] == [{"to": "payments", "timeout_ms": 800}]
    assert page.evaluate("window.wbEditor.errors || []") == []
    assert page.errors == []


def test_inline_errors_point_at_the_field(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"tiny": None})
    page = pages(w["names"]["ada"])
    page.goto(page.url + f"models/{w['models']['tiny']}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    add(page, "service", id="orders")
    page.click("[data-add=service]")
    page.locator('.insp-field[data-field="id"] input').fill("orders")
    page.locator('[data-action="create"]').click()
    error = page.locator('.insp-field[data-field="id"] .field-error')
    error.wait_for()
    assert "duplicate id" in error.inner_text()
    page.locator('.insp-field[data-field="id"] input').fill("Bad Id")
    page.locator('[data-action="create"]').click()
    page.wait_for_function(
        "document.querySelector('.insp-field[data-field=\"id\"] .field-error').textContent.includes('slug') || document.querySelector('.insp-field[data-field=\"id\"] .field-error').textContent.includes('id')"
    )
    page.keyboard.press("Escape")
    page.wait_for_selector("form[data-creating]", state="detached")


def test_views_yaml_and_history(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"], width=1024, height=768)
    page.goto(page.url + f"models/{w['models']['shop']}/")
    page.wait_for_selector("#ed-conn[data-state=live]")
    for view in ("context", "events", "data", "teams", "dependencies"):
        page.click(f"#ed-views button[data-view={view}]")
        page.wait_for_selector(f"#ed-views button[data-view={view}][aria-pressed=true]")
        page.wait_for_selector("#ed-diagram :is(svg, p)")
    shot(page, "05-editor-1024")
    # Clicking a node of the diagram selects its element in the inspector.
    page.wait_for_selector("#ed-diagram svg g[data-id='orders']")
    page.click("#ed-diagram svg g[data-id='orders']")
    page.wait_for_selector('.insp-form[data-key="service:orders"]')
    shot(page, "06-diagram-selected")

    page.click("#tab-yaml")
    yaml = page.locator("#ed-yaml")
    page.wait_for_function("document.querySelector('#ed-yaml').value.includes('apiVersion')")
    text = yaml.input_value()
    yaml.fill(text.replace("title: Online shop", "title: Online shop\nbogus: 1"))
    page.click("#ed-yaml-apply")
    page.wait_for_selector("#ed-yaml-errors .error-list")
    assert "line" in page.inner_text("#ed-yaml-errors")
    assert page.locator("#ed-yaml-gutter .bad").count() >= 1
    shot(page, "07-yaml-error")
    yaml.fill(text.replace("title: Online shop", "title: Online shop, edited"))
    page.click("#ed-yaml-apply")
    page.wait_for_selector("#ed-revision:text('rev 2')")

    page.click("#tab-history")
    page.wait_for_selector(".rev[data-number='2']")
    page.locator(".rev[data-number='2'] >> text=Changes").click()
    page.wait_for_selector(".diff .add")
    shot(page, "08-history")
    page.locator(".rev[data-number='1'] [data-action=revert]").click()
    page.wait_for_selector("#ed-revision:text('rev 3')")
    assert page.evaluate("window.wbEditor.doc.title") == "Online shop"


def test_a_large_diagram_is_drawn_by_a_job_with_progress_then_shown(pages, world) -> None:
    # 400 services exceed WORKBENCH_DIAGRAM_INLINE_MAX_NODES (300): the API answers 202 and the
    # editor polls the job instead of blocking or showing JSON.
    w = world(users=["ada"], owner="ada", models={"big": generate_yaml(400)})
    page = pages(w["names"]["ada"])
    page.goto(page.url + f"models/{w['models']['big']}/")
    page.wait_for_selector("#ed-diagram svg g[data-id='svc-1']", timeout=90_000)
    assert "job" not in page.inner_text("#ed-diagram").lower()
    shot(page, "13-large-diagram")
    # Its ~1,900 findings are drawn a page at a time, once the picture is in place.
    warnings = page.locator(".fd-warning .fd-list")
    page.wait_for_selector(".fd-warning .fd-list li.fd", timeout=60_000)
    assert warnings.locator("li.fd").count() == 200
    warnings.locator(".fd-more button").click()
    assert warnings.locator("li.fd").count() == 400
    # With 399 datastores, a reference is typed with suggestions, not picked from a <select>.
    page.click('.ol-item[data-key="service:svc-1"]')
    picker = page.locator('.insp-form[data-key="service:svc-1"] input[list="dl-datastore"]').first
    assert picker.input_value() == "svc-1-db"
    assert page.locator("datalist#dl-datastore option").count() == 399


def test_the_diagram_zooms_and_pans_and_nodes_stay_clickable(pages, world) -> None:
    w = world(users=["ada"], owner="ada", models={"shop": SHOP})
    page = pages(w["names"]["ada"])
    page.goto(page.url + f"models/{w['models']['shop']}/")
    # data-drawn is set once the view is settled (it may first try the other direction)
    page.wait_for_selector("#ed-diagram[data-drawn] svg g[data-id='orders']")

    def width() -> float:
        return page.eval_on_selector("#ed-diagram svg", "s => s.getBoundingClientRect().width")

    natural = page.eval_on_selector("#ed-diagram svg", "s => s.viewBox.baseVal.width * 96 / 72")
    assert width() >= 0.7 * natural - 1  # text starts readable: never shrunk below 70 %
    page.click("#ed-zoom [data-zoom=fit]")
    fitted = width()
    page.click("#ed-zoom [data-zoom=actual]")
    assert abs(width() - natural) < 2
    page.click("#ed-zoom [data-zoom=in]")
    assert width() > natural * 1.2
    page.locator("#ed-diagram svg g[data-id='orders']").scroll_into_view_if_needed()
    page.click("#ed-diagram svg g[data-id='orders']")
    page.wait_for_selector('.insp-form[data-key="service:orders"]')
    shot(page, "14-diagram-zoomed")
    page.click("#ed-zoom [data-zoom=fit]")
    assert abs(width() - fitted) < 2
