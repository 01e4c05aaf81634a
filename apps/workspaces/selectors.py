"""Reads with permissions: every lookup a principal makes goes through here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .errors import AccessDenied
from .models import ROLE_RANK, ApiToken, Membership, Role, Workspace
from .principal import Principal


def role_in(*, principal: Principal, workspace: Workspace) -> str | None:
    """The principal's role in ``workspace``, or None for an outsider."""
    if principal.token is not None:
        return principal.token.role if principal.token.workspace_id == workspace.pk else None
    if principal.user is None or not principal.user.is_authenticated:
        return None
    return (
        Membership.objects.filter(workspace=workspace, user=principal.user)
        .values_list("role", flat=True)
        .first()
    )


def require_role(*, principal: Principal, workspace: Workspace, need: str) -> str:
    """The principal's role, if at least ``need``. Outsiders get 404 (no existence leak)."""
    role = role_in(principal=principal, workspace=workspace)
    if role is None:
        raise Http404("No such workspace")
    if ROLE_RANK[Role(role)] < ROLE_RANK[Role(need)]:
        who = f"token '{principal.token.name}'" if principal.token else "you"
        raise AccessDenied(f"{who} can only act as {role} here; this needs {need}")
    return role


def workspace_get_for(
    *, principal: Principal, workspace_id: int, need: str = "viewer"
) -> Workspace:
    """The workspace if ``principal`` has at least role ``need`` in it; 404 / 403 otherwise."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        raise Http404("No such workspace")
    require_role(principal=principal, workspace=workspace, need=need)
    return workspace


def workspace_list_for(*, principal: Principal) -> list[tuple[Workspace, str]]:
    """Workspaces the principal can see, with its role: a token sees its own one only."""
    if principal.token is not None:
        return [(principal.token.workspace, principal.token.role)]
    if principal.user is None:
        return []
    rows = Membership.objects.filter(user=principal.user).select_related("workspace")
    return [(m.workspace, m.role) for m in rows.order_by("workspace__name", "workspace_id")]


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user")


def token_list(*, workspace: Workspace) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(workspace=workspace).select_related("created_by")
