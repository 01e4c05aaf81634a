"""Pages: the workspace list, a workspace (models, members, tokens) and the model editor.

Every page asks the workspaces selectors for the signed-in person's role first: an outsider gets
404 (as in the API: no existence leak), a role too low for a write gets 403, and the templates
hide what the role cannot do. The editor page itself is a shell; it talks to /api/v1 and the
model websocket from static/js/editor.js.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.architectures import selectors as arch_selectors
from apps.architectures import services as arch_services
from apps.archmodel import ModelInvalid
from apps.core.http import principal_of
from apps.workspaces import selectors, services
from apps.workspaces.errors import Conflict
from apps.workspaces.models import ROLE_RANK, ApiToken, Membership, Role, Workspace

from .forms import MemberAddForm, MemberRoleForm, ModelCreateForm, TokenForm, WorkspaceForm
from .spec_json import editor_spec


def _user(request: HttpRequest) -> User:
    """The signed-in user: every view here is behind ``login_required``."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise PermissionDenied
    return user


def _can(role: str, need: str) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(need)]


@login_required
@require_http_methods(["GET", "POST"])
def workspace_list(request: HttpRequest) -> HttpResponse:
    """The landing page: my workspaces, and a form to create one."""
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.workspace_create(
            name=form.cleaned_data["name"],
            owner=_user(request),
        )
        messages.success(request, f"Workspace “{workspace.name}” created. Add a model to it.")
        return redirect("editor:workspace", workspace_id=workspace.pk)
    rows = selectors.workspace_list_for(principal=principal_of(request))
    return render(request, "workspaces/list.html", {"rows": rows, "form": form})


def _workspace_page(
    request: HttpRequest, workspace: Workspace, role: str, **extra: Any
) -> HttpResponse:
    principal = principal_of(request)
    context = {
        "workspace": workspace,
        "role": role,
        "can_edit": _can(role, Role.EDITOR),
        "is_owner": role == Role.OWNER,
        "models": arch_selectors.architecture_list_for(
            principal=principal, workspace_id=workspace.pk
        ),
        "members": selectors.membership_list(workspace=workspace),
        "tokens": selectors.token_list(workspace=workspace) if role == Role.OWNER else [],
        "roles": Role.choices,
        "model_form": extra.pop("model_form", None) or ModelCreateForm(),
        "member_form": extra.pop("member_form", None) or MemberAddForm(),
        "token_form": extra.pop("token_form", None) or TokenForm(),
        **extra,
    }
    return render(request, "workspaces/detail.html", context, status=extra.get("status", 200))


def _get(request: HttpRequest, workspace_id: int, need: str = "viewer") -> tuple[Workspace, str]:
    principal = principal_of(request)
    workspace = selectors.workspace_get_for(
        principal=principal, workspace_id=workspace_id, need=need
    )
    role = selectors.role_in(principal=principal, workspace=workspace)
    assert role is not None  # workspace_get_for refused outsiders
    return workspace, role


@login_required
def workspace_detail(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _get(request, workspace_id)
    return _workspace_page(request, workspace, role)


@login_required
@require_POST
def model_create(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Create an empty model, or import a file as a new model (editor)."""
    workspace, role = _get(request, workspace_id, need=Role.EDITOR)
    form = ModelCreateForm(request.POST, request.FILES)
    model_errors: list[dict[str, Any]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            arch = arch_services.architecture_create(
                workspace=workspace,
                actor=principal_of(request),
                source=upload.read() if upload else None,
                name=form.cleaned_data["name"] or None,
                title=form.cleaned_data["title"] or None,
            )
        except ModelInvalid as exc:
            model_errors = [e.as_dict() for e in exc.errors]
            form.add_error(None, f"The model is invalid: {len(model_errors)} error(s).")
        except Conflict as exc:
            form.add_error("name", exc.message)
        else:
            return redirect("editor:model", model_id=arch.pk)
    return _workspace_page(
        request, workspace, role, model_form=form, model_errors=model_errors, status=422
    )


@login_required
@require_POST
def member_add(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _get(request, workspace_id, need=Role.OWNER)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(workspace=workspace, **form.cleaned_data)
        except (LookupError, Conflict) as exc:
            form.add_error("username", str(exc.args[0] if exc.args else exc))
        else:
            messages.success(request, f"Added {form.cleaned_data['username']}.")
            return redirect("editor:workspace", workspace_id=workspace.pk)
    return _workspace_page(request, workspace, role, member_form=form, status=422)


@login_required
@require_POST
def member_update(request: HttpRequest, workspace_id: int, membership_id: int) -> HttpResponse:
    """Change a member's role, or remove them (``action=remove``); owner only."""
    workspace, _ = _get(request, workspace_id, need=Role.OWNER)
    membership = get_object_or_404(Membership, pk=membership_id, workspace=workspace)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=membership)
            messages.success(request, f"Removed {membership.user.get_username()}.")
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                raise Conflict("choose a role: owner, editor or viewer")
            services.membership_update(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, f"{membership.user.get_username()} is now {membership.role}.")
    except Conflict as exc:
        messages.error(request, exc.message)
    if not Membership.objects.filter(workspace=workspace, user=_user(request)).exists():
        return redirect("editor:workspaces")  # I removed myself
    return redirect("editor:workspace", workspace_id=workspace.pk)


@login_required
@require_POST
def token_create(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Create an API token; its secret is on this one response and never again."""
    workspace, role = _get(request, workspace_id, need=Role.OWNER)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.token_create(
                workspace=workspace,
                created_by=_user(request),
                **form.cleaned_data,
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            response = _workspace_page(
                request, workspace, role, new_token=raw, new_token_name=token.name
            )
            response["Cache-Control"] = "no-store"
            return response
    return _workspace_page(request, workspace, role, token_form=form, status=422)


@login_required
@require_POST
def token_revoke(request: HttpRequest, workspace_id: int, token_id: int) -> HttpResponse:
    workspace, _ = _get(request, workspace_id, need=Role.OWNER)
    token = get_object_or_404(ApiToken, pk=token_id, workspace=workspace)
    services.token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("editor:workspace", workspace_id=workspace.pk)


@login_required
def model_editor(request: HttpRequest, model_id: int) -> HttpResponse:
    """The editor shell: the diagram, inspector, YAML, findings, history and exports panes."""
    principal = principal_of(request)
    arch = arch_selectors.architecture_get_for(principal=principal, architecture_id=model_id)
    role = selectors.role_in(principal=principal, workspace=arch.workspace)
    if role is None:  # pragma: no cover - architecture_get_for refused outsiders
        raise PermissionDenied
    config = {
        "model": arch.pk,
        "name": arch.name,
        "revision": arch.revision,
        "role": role,
        "canEdit": _can(role, Role.EDITOR),
        "user": request.user.get_username(),
        "api": "/api/v1",
        "ws": f"/ws/models/{arch.pk}/",
        "rulesUrl": "/rules/",
        "workspaceUrl": reverse("editor:workspace", args=[arch.workspace_id]),
        "spec": editor_spec(),
    }
    return render(
        request,
        "editor/model.html",
        {"arch": arch, "workspace": arch.workspace, "role": role, "config": config},
    )


@login_required
@require_POST
def workspace_rename(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, _ = _get(request, workspace_id, need=Role.OWNER)
    form = WorkspaceForm(request.POST)
    if form.is_valid():
        services.workspace_rename(workspace=workspace, name=form.cleaned_data["name"])
        messages.success(request, f"Workspace renamed to “{workspace.name}”.")
    else:
        messages.error(request, "A workspace needs a name.")
    return redirect("editor:workspace", workspace_id=workspace.pk)


@login_required
@require_POST
def workspace_delete(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Deletes the workspace with everything in it (owner; asked for its name as confirmation)."""
    workspace, _ = _get(request, workspace_id, need=Role.OWNER)
    if request.POST.get("confirm", "").strip() != workspace.name:
        messages.error(request, "Type the workspace's name to delete it.")
        return redirect("editor:workspace", workspace_id=workspace.pk)
    name = workspace.name
    services.workspace_delete(workspace=workspace)
    messages.success(request, f"Workspace “{name}” and its models were deleted.")
    return redirect("editor:workspaces")


@login_required
@require_POST
def model_delete(request: HttpRequest, model_id: int) -> HttpResponse:
    """Deletes a model and its history (editor of its workspace)."""
    arch = arch_selectors.architecture_get_for(
        principal=principal_of(request), architecture_id=model_id, need=Role.EDITOR
    )
    workspace_id, name = arch.workspace_id, arch.name
    arch_services.architecture_delete(architecture_id=arch.pk, actor=principal_of(request))
    messages.success(request, f"Model {name} was deleted.")
    return redirect("editor:workspace", workspace_id=workspace_id)
