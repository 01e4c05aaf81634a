"""Large imported systems draw readably: many unconnected pieces wrap into rows (no view more
than about 3:1), and a view with nothing to show says so."""

from __future__ import annotations

from apps.archmodel import model_from_data
from apps.diagrams.render import render
from apps.imports.importers import import_files, read_paths
from tests.apps.imports.helpers import fixture

from .support import svg_root


def size(svg: bytes) -> tuple[float, float]:
    root = svg_root(svg)
    return float(root.get("width", "0pt")[:-2]), float(root.get("height", "0pt")[:-2])


def train_ticket():
    doc, _ = import_files(
        "compose", read_paths([fixture("compose", "train-ticket", "docker-compose.yml")])
    )
    return model_from_data(doc)


def test_train_tickets_services_and_stores_wrap_into_rows():
    model = train_ticket()
    for view in ("dependencies", "data"):
        width, height = size(render(model, view).content)
        assert max(width, height) / min(width, height) <= 3, (view, width, height)


def test_a_view_with_nothing_to_show_says_so():
    svg = render(train_ticket(), "events").content.decode()
    assert "Nothing to show: this model has no events" in svg
