from django.apps import AppConfig


class DiagramsConfig(AppConfig):
    name = "apps.diagrams"
    verbose_name = "Diagrams"
    default_auto_field = "django.db.models.BigAutoField"
