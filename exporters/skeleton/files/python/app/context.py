"""Per-request context shared by the API and the outbound calls (no dependencies)."""

from __future__ import annotations

from contextvars import ContextVar

# The verified caller's Authorization header, forwarded on calls modelled with `auth: jwt`.
CALLER_AUTHORIZATION: ContextVar[str | None] = ContextVar("caller_authorization", default=None)
