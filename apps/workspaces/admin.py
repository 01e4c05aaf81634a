from django.contrib import admin

from .models import ApiToken, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "role", "prefix", "created", "last_used", "revoked_at")
    list_filter = ("role",)
    # The hash is not a secret, but nothing here should invite copying it around.
    exclude = ("secret_hash",)
    readonly_fields = ("prefix", "created", "last_used")
