"""A workspace groups models; members and API tokens act in it with a role."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# A role may do everything the roles below it may.
ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}
TOKEN_ROLES = (Role.EDITOR, Role.VIEWER)


class Workspace(models.Model):
    """A team's space: its models, members and tokens. Deleting it deletes them all."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in a workspace. Every workspace keeps at least one owner."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workspace_id", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for CI and scripts: ``wbt_<prefix>_<secret>``.

    Only the SHA-256 of the secret is stored; the full token is shown once, at creation. The
    prefix finds the row, the hash is compared in constant time. A token acts in its own
    workspace with its own role and nowhere else. Revoked tokens are kept for the audit trail.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=Role.choices)
    prefix = models.CharField(max_length=16, unique=True)  # unique implies an index
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in TOKEN_ROLES]),
                name="apitoken_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"token {self.name} ({self.prefix})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
