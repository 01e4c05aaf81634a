"""Diagrams as code through the API (the format in the URL or ``?format=``) and the CLI."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.apps.workspaces.personas import SHOP_YAML, World
from workbench.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.mark.parametrize(
    ("view", "fmt", "start"),
    [
        ("dependencies", "mermaid", "---\ntitle:"),
        ("events", "mermaid", "---\ntitle:"),
        ("data", "plantuml", "@startuml"),
        ("context", "structurizr", "workspace "),
        ("dependencies", "likec4", "specification {"),
    ],
)
def test_a_viewer_gets_a_stored_model_as_code(world: World, view, fmt, start):
    res = world.call("viewer_token", "get", f"/api/v1/models/{world.arch.pk}/diagrams/{view}.{fmt}")
    assert res.status_code == 200, res.content
    assert res.content.decode().startswith(start)
    assert res["Content-Type"].startswith("text/")


def test_outsiders_do_not_see_it_and_a_view_the_language_cannot_draw_is_422(world: World):
    path = f"/api/v1/models/{world.arch.pk}/diagrams/dependencies.mermaid"
    assert world.call("other_workspace_token", "get", path).status_code == 404
    res = world.call("viewer_token", "get", f"/api/v1/models/{world.arch.pk}/diagrams/teams.likec4")
    assert res.status_code == 422 and "likec4 draws the views" in res.json()["detail"]


def test_a_posted_file_as_mermaid(world: World):
    res = world.call(
        "editor_token",
        "post",
        "/api/v1/diagrams/data?format=mermaid",
        data=SHOP_YAML,
        content_type="application/yaml",
    )
    assert res.status_code == 200 and b"flowchart LR" in res.content


@pytest.mark.parametrize("fmt", ["mermaid", "structurizr", "likec4", "plantuml"])
def test_the_cli_writes_each_format(tmp_path, capsys, fmt):
    model = tmp_path / "shop.yaml"
    model.write_bytes(SHOP_YAML)
    out = tmp_path / f"shop.{fmt}"
    assert main(["diagram", str(model), "--view", "context", "--format", fmt, "-o", str(out)]) == 0
    assert out.read_text().strip()
    assert main(["diagram", str(model), "--view", "context", "--format", fmt]) == 0
    assert capsys.readouterr().out == out.read_text()


def test_the_cli_refuses_a_view_the_language_cannot_draw(tmp_path, capsys):
    model = tmp_path / "shop.yaml"
    model.write_bytes(SHOP_YAML)
    assert main(["diagram", str(model), "--view", "events", "--format", "structurizr"]) == 2
    assert "structurizr draws the views" in capsys.readouterr().err
