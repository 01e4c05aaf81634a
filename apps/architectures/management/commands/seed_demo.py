"""Create the demo login, workspace and ``shop`` model. Safe to run again: it changes nothing
that already exists except resetting the demo user's password."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.architectures.models import Architecture
from apps.architectures.services import architecture_create
from apps.workspaces.models import Membership, Role, Workspace
from apps.workspaces.principal import Principal
from apps.workspaces.services import workspace_create

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-workbench"  # noqa: S105 - a documented demo login, overridable by env
DEMO_WORKSPACE = "Demo"
SHOP = Path(__file__).resolve().parents[2] / "demo" / "shop.yaml"


class Command(BaseCommand):
    help = "Create the demo user, the 'Demo' workspace and its 'shop' model (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("WORKBENCH_DEMO_PASSWORD") or DEMO_PASSWORD
        User = get_user_model()
        user, created_user = User.objects.get_or_create(username=DEMO_USER)
        user.set_password(password)
        user.save()
        workspace = Workspace.objects.filter(
            name=DEMO_WORKSPACE, memberships__user=user
        ).first() or workspace_create(name=DEMO_WORKSPACE, owner=user)
        Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": Role.OWNER}
        )
        arch = Architecture.objects.filter(workspace=workspace, name="shop").first()
        if arch is None:
            arch = architecture_create(
                workspace=workspace, actor=Principal(user=user), source=SHOP.read_bytes()
            )
            self.stdout.write(f"created model 'shop' (id {arch.pk})")
        else:
            self.stdout.write(f"model 'shop' exists (id {arch.pk}, revision {arch.revision})")
        self.stdout.write(
            f"{'created' if created_user else 'updated'} user '{DEMO_USER}'. Log in at "
            f"/accounts/login/ as {DEMO_USER} / "
            f"{'$WORKBENCH_DEMO_PASSWORD' if password != DEMO_PASSWORD else DEMO_PASSWORD}"
        )
