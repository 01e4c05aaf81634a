from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.architectures.models import Architecture, Revision
from apps.workspaces.models import Membership

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_login(capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_DEMO_PASSWORD", raising=False)  # `make test` may export one
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "demo / demo-workbench" in out
    assert authenticate(username="demo", password="demo-workbench") is not None
    arch = Architecture.objects.get(name="shop")
    assert arch.workspace.name == "Demo"
    assert Architecture.objects.count() == 1 and Revision.objects.count() == 1
    assert Membership.objects.get(user__username="demo").role == "owner"


def test_seed_demo_password_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DEMO_PASSWORD", "another-long-secret")
    call_command("seed_demo")
    assert authenticate(username="demo", password="another-long-secret") is not None
    assert "another-long-secret" not in capsys.readouterr().out
