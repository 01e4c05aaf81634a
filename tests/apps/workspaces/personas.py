"""Personas for permission tests: a workspace with an owner, an editor, a viewer, an
outsider, tokens of each kind, and the shop model. Imported by the conftest files."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.architectures.models import Architecture
from apps.architectures.services import architecture_create
from apps.workspaces.models import ApiToken, Role, Workspace
from apps.workspaces.principal import Principal
from apps.workspaces.services import membership_add, token_create, token_revoke, workspace_create
from tests.support import DEMO_COPY

SHOP_YAML = DEMO_COPY.read_bytes()
_n = itertools.count(1)

# Persona → its role in the workspace (None: no access at all).
ROLES: dict[str, str | None] = {
    "owner": "owner",
    "editor": "editor",
    "viewer": "viewer",
    "outsider": None,
    "anonymous": None,
    "editor_token": "editor",
    "viewer_token": "viewer",
    "other_workspace_token": None,
    "revoked_token": None,
}
RANK = {"viewer": 1, "editor": 2, "owner": 3}


def expected_status(persona: str, need: str) -> str:
    """'ok', or the status a persona must get for an operation needing role ``need``."""
    if persona in ("anonymous", "revoked_token"):
        return "401"
    role = ROLES[persona]
    if role is None:
        return "404"
    return "ok" if RANK[role] >= RANK[need] else "403"


@dataclass
class World:
    workspace: Workspace
    other_workspace: Workspace
    users: dict[str, User]
    tokens: dict[str, str]  # persona → raw token string
    token_rows: dict[str, ApiToken]
    arch: Architecture
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        if persona not in self.clients:
            if persona in self.users:
                c = Client()
                c.force_login(self.users[persona])
            elif persona in self.tokens:
                c = Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[persona]}")
            else:
                c = Client()
            self.clients[persona] = c
        return self.clients[persona]

    def call(self, persona: str, method: str, path: str, **kwargs: Any) -> Any:
        return getattr(self.client(persona), method.lower())(path, **kwargs)

    @property
    def owner(self) -> Principal:
        return Principal(user=self.users["owner"])


def make_world(make_user: Callable[..., User]) -> World:
    n = next(_n)
    users = {p: make_user(username=f"{p}{n}") for p in ("owner", "editor", "viewer", "outsider")}
    workspace = workspace_create(name=f"Team {n}", owner=users["owner"])
    membership_add(workspace=workspace, username=users["editor"].username, role=Role.EDITOR)
    membership_add(workspace=workspace, username=users["viewer"].username, role=Role.VIEWER)
    other = workspace_create(name=f"Other {n}", owner=users["outsider"])
    tokens: dict[str, str] = {}
    rows: dict[str, ApiToken] = {}
    for persona, ws, role in (
        ("editor_token", workspace, Role.EDITOR),
        ("viewer_token", workspace, Role.VIEWER),
        ("other_workspace_token", other, Role.EDITOR),
        ("revoked_token", workspace, Role.EDITOR),
    ):
        rows[persona], tokens[persona] = token_create(
            workspace=ws, name=persona.replace("_", "-"), role=role, created_by=users["owner"]
        )
    token_revoke(token=rows["revoked_token"])
    arch = architecture_create(
        workspace=workspace, actor=Principal(user=users["owner"]), source=SHOP_YAML
    )
    return World(workspace, other, users, tokens, rows, arch)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    return make_world(make_user)
