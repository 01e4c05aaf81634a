"""/api/v1/workspaces: workspaces, their members and API tokens. Thin: parse, call, shape."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from apps.core.http import principal_of

from . import selectors, services
from .auth import workbench_auth
from .errors import AccessDenied, Conflict
from .models import ApiToken, Membership, Role, Workspace
from .schemas import (
    MemberIn,
    MemberOut,
    MemberPatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    WorkspaceIn,
    WorkspaceOut,
)

router = Router(auth=workbench_auth, tags=["workspaces"])


def _workspace_out(workspace: Workspace, role: str) -> dict:
    return {
        "id": workspace.pk,
        "name": workspace.name,
        "slug": workspace.slug,
        "created": workspace.created,
        "role": role,
    }


def _member_out(m: Membership) -> dict:
    return {"username": m.user.get_username(), "role": m.role, "created": m.created}


def _token_out(t: ApiToken) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "role": t.role,
        "prefix": t.prefix,
        "created": t.created,
        "created_by": t.created_by.get_username() if t.created_by else None,
        "last_used": t.last_used,
        "revoked_at": t.revoked_at,
    }


@router.get("", response=list[WorkspaceOut])
def list_workspaces(request: HttpRequest) -> list[dict]:
    """The caller's workspaces (a token sees only its own)."""
    rows = selectors.workspace_list_for(principal=principal_of(request))
    return [_workspace_out(w, role) for w, role in rows]


@router.post("", response={201: WorkspaceOut})
def create_workspace(request: HttpRequest, payload: WorkspaceIn) -> Status:
    """A new workspace, owned by the caller. People only: a token belongs to one workspace."""
    principal = principal_of(request)
    if principal.user is None:
        raise AccessDenied("API tokens cannot create workspaces; sign in as a person")
    try:
        workspace = services.workspace_create(name=payload.name, owner=principal.user)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(201, _workspace_out(workspace, Role.OWNER))


@router.get("/{int:workspace_id}", response=WorkspaceOut)
def get_workspace(request: HttpRequest, workspace_id: int) -> dict:
    principal = principal_of(request)
    workspace = selectors.workspace_get_for(principal=principal, workspace_id=workspace_id)
    return _workspace_out(
        workspace, selectors.role_in(principal=principal, workspace=workspace) or ""
    )


@router.delete("/{int:workspace_id}", response={204: None})
def delete_workspace(request: HttpRequest, workspace_id: int) -> Status:
    """Deletes the workspace and everything in it (owner only)."""
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    services.workspace_delete(workspace=workspace)
    return Status(204, None)


# --- members -----------------------------------------------------------------------------------


def _membership(workspace: Workspace, username: str) -> Membership:
    m = (
        Membership.objects.select_related("user")
        .filter(workspace=workspace, user__username=username)
        .first()
    )
    if m is None:
        raise Http404(f"'{username}' is not a member")
    return m


@router.get("/{int:workspace_id}/members", response=list[MemberOut])
def list_members(request: HttpRequest, workspace_id: int) -> list[dict]:
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id
    )
    return [_member_out(m) for m in selectors.membership_list(workspace=workspace)]


@router.post("/{int:workspace_id}/members", response={201: MemberOut})
def add_member(request: HttpRequest, workspace_id: int, payload: MemberIn) -> Status:
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    try:
        m = services.membership_add(
            workspace=workspace, username=payload.username, role=payload.role
        )
    except LookupError as exc:
        raise HttpError(404, str(exc)) from exc
    except Conflict as exc:
        raise HttpError(409, exc.message) from exc
    return Status(201, _member_out(m))


@router.patch("/{int:workspace_id}/members/{username}", response=MemberOut)
def update_member(
    request: HttpRequest, workspace_id: int, username: str, payload: MemberPatch
) -> dict:
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    try:
        m = services.membership_update(
            membership=_membership(workspace, username), role=payload.role
        )
    except Conflict as exc:
        raise HttpError(409, exc.message) from exc
    return _member_out(m)


@router.delete("/{int:workspace_id}/members/{username}", response={204: None})
def remove_member(request: HttpRequest, workspace_id: int, username: str) -> Status:
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    try:
        services.membership_remove(membership=_membership(workspace, username))
    except Conflict as exc:
        raise HttpError(409, exc.message) from exc
    return Status(204, None)


# --- tokens ------------------------------------------------------------------------------------


@router.get("/{int:workspace_id}/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest, workspace_id: int) -> list[dict]:
    """Tokens of the workspace, without secrets (owner only)."""
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    return [_token_out(t) for t in selectors.token_list(workspace=workspace)]


@router.post("/{int:workspace_id}/tokens", response={201: TokenCreatedOut})
def create_token(request: HttpRequest, workspace_id: int, payload: TokenIn) -> Status:
    """A new token; the response is the only time its full string is shown (owner only)."""
    principal = principal_of(request)
    workspace = selectors.workspace_get_for(
        principal=principal, workspace_id=workspace_id, need="owner"
    )
    try:
        token, raw = services.token_create(
            workspace=workspace, name=payload.name, role=payload.role, created_by=principal.user
        )
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/{int:workspace_id}/tokens/{int:token_id}", response={204: None})
def revoke_token(request: HttpRequest, workspace_id: int, token_id: int) -> Status:
    workspace = selectors.workspace_get_for(
        principal=principal_of(request), workspace_id=workspace_id, need="owner"
    )
    token = ApiToken.objects.filter(workspace=workspace, pk=token_id).first()
    if token is None:
        raise Http404("No such token")
    services.token_revoke(token=token)
    return Status(204, None)
