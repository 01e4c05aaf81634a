"""A small fixed-window rate limit on the Django cache, for the CI API.

``WORKBENCH_VALIDATE_RATE`` is ``"<count>/<sec|min|hour|day>"`` (default ``120/min``; empty or
``0`` disables it). The key is the API token, else the user, else the client address, so one
noisy pipeline cannot starve the others.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
DEFAULT_RATE = "120/min"


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"120/min"`` -> (120, 60); None when disabled. Raises ValueError when malformed."""
    if not rate or rate.strip() in ("0", "none", "off"):
        return None
    count, _, period = rate.strip().partition("/")
    if period not in PERIODS or not count.isdigit():
        raise ValueError(f"WORKBENCH_VALIDATE_RATE must look like '120/min', not {rate!r}")
    return int(count), PERIODS[period]


def _who(request: HttpRequest) -> str:
    principal = getattr(request, "auth", None)
    token = getattr(principal, "token", None)
    if token is not None:
        return f"token:{token.pk}"
    user = getattr(principal, "user", None)
    if user is not None:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def check_rate(request: HttpRequest, scope: str = "validate") -> int | None:
    """Count this request; the seconds to wait (Retry-After) when over the limit, else None."""
    limit = parse_rate(getattr(settings, "WORKBENCH_VALIDATE_RATE", DEFAULT_RATE))
    if limit is None:
        return None
    count, period = limit
    now = time.time()
    window = int(now // period)
    key = f"rules:rate:{scope}:{_who(request)}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 1)
        used = 1
    if used > count:
        return max(1, int((window + 1) * period - now + 0.999))
    return None


class RateLimited(Exception):
    """Over ``WORKBENCH_VALIDATE_RATE``: answered 429 with ``Retry-After`` by the HTTP edge."""

    def __init__(self, wait: int):
        super().__init__(f"too many validations; retry in {wait} s (WORKBENCH_VALIDATE_RATE)")
        self.wait = wait


def enforce_rate(request: HttpRequest, scope: str = "validate") -> None:
    """Count this request; raise ``RateLimited`` when it is over the limit."""
    wait = check_rate(request, scope)
    if wait is not None:
        raise RateLimited(wait)
