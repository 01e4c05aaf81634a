"""API authentication: the Django session (with CSRF) or ``Authorization: Bearer wbt_...``.

``workbench_auth`` is the one auth every API operation uses. It sets ``request.auth`` to a
``Principal``. A request that presents a bearer token is judged by the token alone (a bad or
revoked token is a 401 even with a session cookie), and never needs CSRF: no ambient
credential is involved. Session requests with unsafe methods must carry the CSRF token, as
with ninja's ``django_auth``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from .models import ApiToken
from .principal import Principal
from .tokens import secret_matches, split_token

__all__ = ["Principal", "WorkbenchAuth", "token_authenticate", "workbench_auth"]

# last_used is for people auditing tokens; minute precision spares a write per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token for a ``wbt_...`` string, or None. Constant-time secret comparison."""
    parts = split_token(raw.strip())
    if parts is None:
        return None
    prefix, secret = parts
    token = ApiToken.objects.select_related("workspace", "created_by").filter(prefix=prefix).first()
    if token is None or token.revoked_at is not None:
        return None
    if not secret_matches(secret, token.secret_hash):
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


class WorkbenchAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = "Bearer wbt_... API token, or the browser session (with CSRF)."

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, credentials = header.partition(" ")
            if scheme.lower() != "bearer":
                return None
            token = token_authenticate(credentials)
            return Principal(user=None, token=token) if token is not None else None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with session auth")
        return Principal(user=user, token=None)


workbench_auth = WorkbenchAuth()
