"""Fixtures shared by every test. Personas (owner, member, outsider) arrive with workspaces."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

PASSWORD = "correct-horse-battery-staple"

_numbers = itertools.count(1)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Factory: `make_user()` or `make_user(username="ada", is_staff=True)`."""

    def make(**fields: Any) -> User:
        fields.setdefault("username", f"user{next(_numbers)}")
        return User.objects.create_user(password=PASSWORD, **fields)

    return make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user(username="ada")


@pytest.fixture
def login_client() -> Callable[[User], Client]:
    """A fresh client signed in as the given user; several can coexist in one test."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def user_client(user: User, login_client: Callable[[User], Client]) -> Client:
    return login_client(user)
