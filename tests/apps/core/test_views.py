from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_shows_the_workspaces_page_to_a_signed_in_user(user_client: Client) -> None:
    response = user_client.get("/")
    assert response.status_code == 200
    assert b"<h1>Workspaces</h1>" in response.content
    assert b"Sign out" in response.content


def test_pages_forbid_framing_and_content_sniffing(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_server_error_page_renders_without_a_request_context() -> None:
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "Something went wrong" in html
