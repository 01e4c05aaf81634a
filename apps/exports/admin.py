from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "architecture",
        "revision",
        "target",
        "state",
        "progress",
        "created",
        "finished",
    )
    list_filter = ("state", "target")
    readonly_fields = ("sha256", "size", "log", "error", "heartbeat", "attempts")
