from django.apps import AppConfig


class RulesConfig(AppConfig):
    """The rule catalog and engine (framework-free: ``engine``, ``catalog``, ``registry``), with
    the CI API (``api``) and the catalog pages (``views``)."""

    name = "apps.rules"
    label = "rules"
    verbose_name = "Rules"
    default_auto_field = "django.db.models.BigAutoField"
