from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign in, sign up, sign out. Users are Django's own `auth.User`."""

    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
