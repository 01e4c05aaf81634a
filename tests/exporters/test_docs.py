"""The ``docs`` target: the architecture document as a static site and Markdown."""

from __future__ import annotations

import html.parser
import posixpath
import re
import xml.etree.ElementTree as ET

import pytest

from apps.archmodel import load_model
from exporters import export_bundle
from exporters.docs import docs_bundle
from tests.apps.diagrams.support import HOSTILE_YAML
from tests.support import DEMO_COPY
from workbench.cli import main


@pytest.fixture(scope="module")
def shop():
    return load_model(DEMO_COPY.read_bytes())


@pytest.fixture(scope="module")
def bundle(shop):
    return export_bundle(shop, target="docs")


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: set[str] = set()
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.append(name)
            if name in ("href", "src"):
                self.links.append(value or "")
            if name == "id":
                self.ids.add(value or "")


def _parse(content: bytes) -> _Page:
    page = _Page()
    page.feed(content.decode())
    return page


def test_same_model_same_bytes(shop, bundle):
    assert export_bundle(shop, target="docs").to_zip() == bundle.to_zip()


def test_the_site_has_every_topic_and_a_page_per_service(shop, bundle):
    pages = {p for p in bundle.files if p.startswith("html/") and p.endswith(".html")}
    for topic in (
        "index",
        "communication",
        "data",
        "security",
        "resilience",
        "observability",
        "stack",
        "decisions",
        "diagrams",
    ):
        assert f"html/{topic}.html" in pages
        assert f"markdown/{'README' if topic == 'index' else topic}.md" in bundle.files
    for s in shop.services:
        assert f"html/services/{s.id}.html" in pages
    for view in ("context", "dependencies", "events", "data", "teams"):
        ET.fromstring(bundle.files[f"html/diagrams/{view}.svg"])  # well-formed SVG


def test_every_internal_link_resolves_in_html_and_markdown(bundle):
    files = bundle.files
    ids = {p: _parse(c).ids for p, c in files.items() if p.endswith(".html")}
    for path, content in files.items():
        if path.endswith(".html"):
            links = _parse(content).links
        elif path.endswith(".md"):
            links = re.findall(r"\]\(([^)\s]+)\)", content.decode())
        else:
            continue
        assert links, path
        for link in links:
            assert not re.match(r"^[a-z]+:", link), (path, link)  # nothing external
            target, _, anchor = link.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            assert resolved in files, (path, link)
            if anchor and resolved.endswith(".html"):
                assert anchor in ids[resolved], (path, link)
            if anchor and resolved.endswith(".md"):
                assert f'<a id="{anchor}"></a>' in files[resolved].decode(), (path, link)


def test_html_is_well_formed_script_free_and_self_contained(bundle):
    for path, content in bundle.files.items():
        if not path.endswith(".html"):
            continue
        text = content.decode()
        page = _parse(content)
        assert "script" not in page.tags and not any(a.startswith("on") for a in page.attrs)
        assert "default-src 'none'" in text
        assert not re.search(r"(src|href)=\"(https?:)?//", text)
    css = bundle.files["html/style.css"].decode()
    assert "@media print" in css and "url(" not in css


def test_decisions_page_is_the_log_of_suppressions(shop, bundle):
    text = bundle.files["html/decisions.html"].decode()
    for sup in shop.suppressions:
        assert sup.reason.replace("'", "&#x27;") in text
        assert f'id="rule-{sup.rule}"' in text
    assert "ADR-001" in text


def test_markdown_has_the_views_as_mermaid(bundle):
    diagrams = bundle.files["markdown/diagrams.md"].decode()
    assert diagrams.count("```mermaid") == 5  # every view


def test_model_text_is_escaped_everywhere():
    model = load_model(HOSTILE_YAML.encode())
    b = docs_bundle(model, diagrams=False)
    for path, content in b.files.items():
        text = content.decode()
        if path.endswith(".html"):
            assert (
                "<script" not in text
                and "<img src=x" not in text
                and "onerror=" not in text.replace("onerror=alert", "")
            )
            page = _parse(content)
            assert "script" not in page.tags and "svg" not in page.tags
        if path.endswith(".md"):
            body = re.sub(r"```mermaid.*?```", "", text, flags=re.S)
            assert "<script" not in body and "<img" not in body and "<svg" not in body


def test_the_cli_writes_the_docs_bundle(tmp_path, capsys):
    out = tmp_path / "docs.zip"
    assert main(["export", str(DEMO_COPY), "--target", "docs", "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000


def test_fault_tolerance_page_has_the_journeys_budgets_and_blast_radius(bundle):
    page = bundle.files["html/resilience.html"].decode()
    journeys = page[page.index('id="journeys"') : page.index('id="blast-radius"')]
    assert "<td>checkout</td>" in journeys and "<td>over-target</td>" in journeys
    assert "300 ms · 99.9 %" in journeys  # checkout's target, beside 355 ms nominal
    assert "355 ms / " in journeys
    radius = page[page.index('id="blast-radius"') :]
    assert 'href="services/payments.html"' in radius
    markdown = bundle.files["markdown/resilience.md"].decode()
    assert "## Journeys and their budgets" in markdown and "over\\-target" in markdown
