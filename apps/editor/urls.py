from django.urls import path

from . import views

app_name = "editor"

urlpatterns = [
    path("", views.workspace_list, name="workspaces"),
    path("workspaces/<int:workspace_id>/", views.workspace_detail, name="workspace"),
    path("workspaces/<int:workspace_id>/models/", views.model_create, name="model-create"),
    path("workspaces/<int:workspace_id>/members/", views.member_add, name="member-add"),
    path(
        "workspaces/<int:workspace_id>/members/<int:membership_id>/",
        views.member_update,
        name="member-update",
    ),
    path("workspaces/<int:workspace_id>/tokens/", views.token_create, name="token-create"),
    path(
        "workspaces/<int:workspace_id>/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="token-revoke",
    ),
    path("workspaces/<int:workspace_id>/rename/", views.workspace_rename, name="workspace-rename"),
    path("workspaces/<int:workspace_id>/delete/", views.workspace_delete, name="workspace-delete"),
    path("models/<int:model_id>/", views.model_editor, name="model"),
    path("models/<int:model_id>/delete/", views.model_delete, name="model-delete"),
]
