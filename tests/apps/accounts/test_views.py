from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_valid_credentials_lands_on_home(
    client: Client, user: User, password: str
) -> None:
    response = client.post(
        reverse("login"), {"username": user.username, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == user
    assert b"Workspaces" in response.content


def test_sign_in_with_a_wrong_password_shows_an_error(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert b"Please enter a correct username and password" in response.content


def test_sign_out_ends_the_session(user_client: Client) -> None:
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get("/").status_code == 302


def test_sign_out_by_get_is_refused_so_a_link_cannot_log_you_out(user_client: Client) -> None:
    assert user_client.get(reverse("logout")).status_code == 405
    assert user_client.get("/").status_code == 200


def test_sign_up_creates_the_user_and_signs_them_in(client: Client) -> None:
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
        follow=True,
    )
    assert User.objects.filter(username="grace").exists()
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "grace"


def test_sign_up_with_mismatched_passwords_creates_nobody(client: Client) -> None:
    response = client.post(
        reverse("signup"),
        {"username": "grace", "password1": "a-long-passphrase-9", "password2": "different-9x"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="grace").exists()


@override_settings(WORKBENCH_SIGNUP_ENABLED=False)
def test_sign_up_is_gone_when_disabled(client: Client) -> None:
    assert client.get(reverse("signup")).status_code == 404
    assert b"Sign up" not in client.get(reverse("login")).content


def test_unknown_page_renders_the_404_template_without_a_traceback(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Traceback" not in response.content
    assert b"Back to the workbench" in response.content
