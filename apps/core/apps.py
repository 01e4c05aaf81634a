from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Process-wide wiring that must happen once Django is set up."""

    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Importing the Celery app makes it current, so every app's @shared_task binds to it;
        # importing checks registers the system checks.
        from workbench import celery, checks  # noqa: F401
