from typing import Any

from django.conf import settings
from django.http import HttpRequest


def workbench(request: HttpRequest) -> dict[str, Any]:
    """Flags the base layout needs on every page (the nav hides "Sign up" when it is off)."""
    return {"signup_enabled": settings.WORKBENCH_SIGNUP_ENABLED}
