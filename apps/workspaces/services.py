"""Writes for workspaces, memberships and API tokens. Permission checks happen in the caller
(the API asks ``selectors.workspace_get_for`` for the role first); invariants live here."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .errors import Conflict
from .models import TOKEN_ROLES, ApiToken, Membership, Role, Workspace
from .tokens import new_token

log = logging.getLogger(__name__)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def workspace_create(*, name: str, owner: User) -> Workspace:
    """A new workspace; its creator becomes its owner."""
    name = name.strip()
    if not name:
        raise ValueError("a workspace needs a name")
    workspace = Workspace(name=name, slug=_unique_slug(name))
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def workspace_rename(*, workspace: Workspace, name: str) -> Workspace:
    """A new display name; the slug (in URLs people may have kept) stays."""
    name = name.strip()
    if not name:
        raise ValueError("a workspace needs a name")
    workspace.name = name
    workspace.full_clean()
    workspace.save(update_fields=["name"])
    return workspace


def workspace_delete(*, workspace: Workspace) -> None:
    """Deletes the workspace with its models, revisions, members and tokens."""
    log.info("deleting workspace %s", workspace.pk)
    workspace.delete()


def _role(role: str, allowed: tuple[str, ...] = tuple(Role.values)) -> str:
    if role not in allowed:
        raise ValueError(f"role must be one of {', '.join(allowed)}, got {role!r}")
    return role


def membership_add(*, workspace: Workspace, username: str, role: str) -> Membership:
    """Adds an existing user by username. Raises LookupError (no such user) or Conflict."""
    _role(role)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"no user named '{username}'")
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise Conflict(f"'{username}' is already a member; change their role instead")
    return Membership.objects.create(workspace=workspace, user=user, role=role)


def _last_owner_guard(membership: Membership, action: str) -> None:
    # Lock the owner rows so two owners demoting each other at once cannot leave none.
    owners = list(
        Membership.objects.select_for_update()
        .filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise Conflict(
            f"'{membership.user.get_username()}' is the last owner of this workspace and cannot "
            f"be {action}; make someone else an owner first"
        )


@transaction.atomic
def membership_update(*, membership: Membership, role: str) -> Membership:
    """Changes a member's role; the last owner cannot be demoted."""
    _role(role)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _last_owner_guard(membership, "demoted")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Removes a member; the last owner cannot be removed."""
    if membership.role == Role.OWNER:
        _last_owner_guard(membership, "removed")
    membership.delete()


def token_create(
    *, workspace: Workspace, name: str, role: str, created_by: User | None
) -> tuple[ApiToken, str]:
    """A new token and its full string. The string is returned once and never stored or logged."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a token needs a name of 1 to 100 characters")
    _role(role, tuple(r.value for r in TOKEN_ROLES))
    raw, prefix, secret_hash = new_token()
    token = ApiToken.objects.create(
        workspace=workspace,
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=secret_hash,
        created_by=created_by,
    )
    log.info("created API token %s (%s) in workspace %s", token.pk, prefix, workspace.pk)
    return token, raw


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revokes a token (idempotent). The row stays for the audit trail."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log.info("revoked API token %s (%s)", token.pk, token.prefix)
    return token
