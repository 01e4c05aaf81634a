from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Architecture, Revision


@admin.register(Architecture)
class ArchitectureAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "revision", "updated")
    search_fields = ("name", "title")
    readonly_fields = ("document", "content_hash", "revision", "created", "updated")


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are append-only history."""

    list_display = ("architecture", "number", "author_label", "created")
    readonly_fields = [f.name for f in Revision._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
