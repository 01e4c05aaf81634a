from django.apps import AppConfig


class ArchitecturesConfig(AppConfig):
    name = "apps.architectures"
    label = "architectures"
    verbose_name = "Architectures"
    default_auto_field = "django.db.models.BigAutoField"
